//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func TestUpdateEntryAtTheVersionReadStoresTheNext(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	v1 := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, v1)
	require.NoError(t, err)

	v2 := v1
	v2.Enabled = false
	updated, err := s.UpdateEntry(ctx, v2, 1)

	require.NoError(t, err)
	requireEntry(t, v2, 2, updated)
}

func TestUpdateEntryFromAnOlderVersionIsStaleAndStoresNothing(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)
	_, err = s.UpdateEntry(ctx, e, store.AnyVersion) // someone else's change: version 2
	require.NoError(t, err)

	e.Name = "Mine"
	_, err = s.UpdateEntry(ctx, e, 1)

	require.ErrorIs(t, err, store.ErrStale)
	var stale *store.StaleError
	require.ErrorAs(t, err, &stale)
	require.Equal(t, store.StaleError{ID: e.ID, Read: 1, Current: 2}, *stale)
	require.EqualError(t, err, `entry "post-call-survey" changed since version 1 was read: it is at version 2 now`)
	current, err := s.Entry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, 2, current.Version)
	require.Equal(t, "Post-call survey", current.Name)
}

func TestUpdateEntryOfADeletedEntryIsNotFound(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)
	require.NoError(t, s.DeleteEntry(ctx, e.ID, store.AnyVersion))

	_, err = s.UpdateEntry(ctx, e, 1)

	require.ErrorIs(t, err, store.ErrNotFound)
}

// Two people save changes made from the same version at the same moment:
// one is stored, the other hears that the entry changed.
func TestConcurrentUpdatesFromOneVersionStoreOne(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)
	const writers = 6
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = s.UpdateEntry(ctx, e, 1)
		})
	}
	wg.Wait()

	var stored int
	for _, err := range errs {
		if err == nil {
			stored++
			continue
		}
		require.ErrorIs(t, err, store.ErrStale)
	}
	require.Equal(t, 1, stored)
	current, err := s.Entry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, 2, current.Version)
}

func TestEntryVersionsPageNewestFirst(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)
	for range 4 {
		_, err = s.UpdateEntry(ctx, e, store.AnyVersion)
		require.NoError(t, err)
	}
	require.NoError(t, s.DeleteEntry(ctx, e.ID, store.AnyVersion))
	tests := []struct {
		before, limit int
		want          []int
	}{
		{0, 3, []int{5, 4, 3}},
		{3, 3, []int{2, 1}},
		{1, 3, nil},
	}
	for _, tt := range tests {
		versions, err := s.EntryVersions(ctx, e.ID, tt.before, tt.limit)
		require.NoError(t, err)
		var got []int
		for _, v := range versions {
			require.Equal(t, e.Name, v.Name)
			got = append(got, v.Version)
		}
		require.Equal(t, tt.want, got, "before %d", tt.before)
	}
	none, err := s.EntryVersions(ctx, "no-such-entry", 0, 3)
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestDeleteEntryFromAnOlderVersionIsStaleAndDeletesNothing(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)
	_, err = s.UpdateEntry(ctx, e, 1) // someone else's change: version 2
	require.NoError(t, err)

	err = s.DeleteEntry(ctx, e.ID, 1)

	var stale *store.StaleError
	require.ErrorAs(t, err, &stale)
	require.Equal(t, store.StaleError{ID: e.ID, Read: 1, Current: 2}, *stale)
	_, err = s.Entry(ctx, e.ID)
	require.NoError(t, err, "still live")
	require.NoError(t, s.DeleteEntry(ctx, e.ID, 2))
	require.ErrorIs(t, s.DeleteEntry(ctx, e.ID, 2), store.ErrNotFound, "already deleted")
}

// A write that names no version (0: a caller that forgot to say, or an
// If-Match tag of another entry) never matches; AnyVersion is said aloud.
func TestAWriteFromVersionZeroIsAlwaysStale(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)

	_, updateErr := s.UpdateEntry(ctx, e, 0)
	deleteErr := s.DeleteEntry(ctx, e.ID, 0)

	require.ErrorIs(t, updateErr, store.ErrStale)
	require.ErrorIs(t, deleteErr, store.ErrStale)
	current, err := s.Entry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, 1, current.Version)
}
