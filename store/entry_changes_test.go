//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func liveIDs(es []entry.Entry) []string {
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestEntriesSinceReadsOnlyWhatChanged(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	start, err := s.EntriesGeneration(ctx)
	require.NoError(t, err)
	for _, id := range []string{"a", "b", "c"} {
		_, err := s.CreateEntry(ctx, newEntry(id, "Entry "+id))
		require.NoError(t, err)
	}

	all, err := s.EntriesSince(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, liveIDs(all.Live))
	require.Equal(t, 3, all.LiveCount)
	require.Equal(t, start+3, all.Generation, "one generation per write")

	b := newEntry("b", "Entry b")
	b.Service = "Sales"
	_, err = s.UpdateEntry(ctx, b, store.AnyVersion)
	require.NoError(t, err)
	require.NoError(t, s.DeleteEntry(ctx, "c", store.AnyVersion))

	changed, err := s.EntriesSince(ctx, all.Generation)
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, liveIDs(changed.Live), "only what changed is read")
	require.Equal(t, "Sales", changed.Live[0].Service)
	require.Equal(t, 2, changed.Live[0].Version)
	require.Equal(t, []string{"c"}, changed.Deleted)
	require.Equal(t, 2, changed.LiveCount)
	g, err := s.EntriesGeneration(ctx)
	require.NoError(t, err)
	require.Equal(t, g, changed.Generation)

	none, err := s.EntriesSince(ctx, g)
	require.NoError(t, err)
	require.Empty(t, none.Live)
	require.Empty(t, none.Deleted)
}

// Writers commit in the order of their generations, so a reader that has
// seen generation n has seen every change up to n: concurrent writers
// never leave a change behind a generation already read.
func TestEntryGenerationsFollowTheCommitOrder(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	const writers = 8
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for j := range 5 {
				e := newEntry(string(rune('a'+i))+string(rune('0'+j)), "Entry "+string(rune('a'+i))+string(rune('0'+j)))
				_, err := s.CreateEntry(ctx, e)
				assert.NoError(t, err)
			}
		})
	}
	// Meanwhile a reader follows the changes as Index does.
	seen := map[string]bool{}
	var at int64
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		ch, err := s.EntriesSince(ctx, at)
		require.NoError(t, err)
		for _, e := range ch.Live {
			seen[e.ID] = true
		}
		at = ch.Generation
		require.Len(t, seen, ch.LiveCount, "at generation %d the reader holds every live entry", at)
	}
	require.Len(t, seen, writers*5)
}

func TestWatchEntriesHearsChangesMadeElsewhere(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	ctx, cancel := context.WithCancel(ctx)
	heard := make(chan int64, 16)
	watching := make(chan error, 1)
	go func() { watching <- s.WatchEntries(ctx, func(g int64) { heard <- g }, nil) }()
	require.Equal(t, int64(0), <-heard, "listening starts with a call to check")

	_, err := s.CreateEntry(context.Background(), newEntry("a", "Entry a"))
	require.NoError(t, err)

	g, err := s.EntriesGeneration(context.Background())
	require.NoError(t, err)
	select {
	case got := <-heard:
		require.Equal(t, g, got)
	case <-time.After(10 * time.Second):
		t.Fatal("no notification of the new entry")
	}
	cancel()
	require.NoError(t, <-watching)
}
