//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
)

// starter is one starter's use cases, with its own connections to the
// shared database, its background work running.
func startStarter(t *testing.T, st *store.Store) *usecase.Service {
	t.Helper()
	svc := &usecase.Service{Store: st, Temporal: testenv.Temporal(t), TaskQueue: testenv.TaskQueue(t)}
	ctx, stop := context.WithCancel(context.Background())
	done, err := svc.StartBackground(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { stop(); <-done })
	return svc
}

// openStore opens a second pool on the database at dbURL, as another
// starter process would; listenURL is where it listens for entry changes.
func openStore(t *testing.T, dbURL, listenURL string) *store.Store {
	t.Helper()
	connector, err := pq.NewConnector(dbURL)
	require.NoError(t, err)
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return store.OpenDB(db, listenURL)
}

// matchedBy is the ids of the entries a dry run of ev on svc matches.
func matchedBy(t *testing.T, svc *usecase.Service, ev interaction.Event) []string {
	t.Helper()
	res, err := svc.Ingest(context.Background(), ev, true)
	require.NoError(t, err)
	ids := []string{}
	for _, m := range res.Matches {
		ids = append(ids, m.EntryID)
	}
	return ids
}

// waitUntilMatched polls svc until ev matches want, and returns how long
// it took; it fails after patience.
func waitUntilMatched(t *testing.T, svc *usecase.Service, ev interaction.Event, want []string, patience time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := matchedBy(t, svc, ev)
		if len(got) == len(want) && (len(want) == 0 || got[0] == want[0]) {
			return time.Since(start)
		}
		if time.Since(start) > patience {
			t.Fatalf("after %s the event still matches %v, not %v", patience, got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// An entry saved through one starter is used by the next event on any
// other within a second: the other hears of it from PostgreSQL.
func TestAnEntrySavedOnOneStarterIsUsedOnAnotherWithinASecond(t *testing.T) {
	t.Parallel()
	st, dbURL := testenv.StoreURL(t)
	one := startStarter(t, st)
	other := startStarter(t, openStore(t, dbURL, dbURL))
	ev := event("Problem solved")
	require.Empty(t, matchedBy(t, other, ev))

	e := entry.Entry{ID: "survey", Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}}
	_, err := one.CreateEntry(context.Background(), e)
	require.NoError(t, err)
	require.Equal(t, []string{"survey"}, matchedBy(t, one, ev), "the starter that saved it uses it at once")
	took := waitUntilMatched(t, other, ev, []string{"survey"}, time.Second)
	t.Logf("a new entry reached the other starter in %s", took)

	e.Triggers[0].Disposition = "Spam"
	_, err = one.UpdateEntry(context.Background(), e, usecase.AnyVersion)
	require.NoError(t, err)
	took = waitUntilMatched(t, other, ev, nil, time.Second)
	t.Logf("a changed entry reached the other starter in %s", took)

	e.Triggers[0].Disposition = "Problem solved"
	_, err = one.UpdateEntry(context.Background(), e, usecase.AnyVersion)
	require.NoError(t, err)
	waitUntilMatched(t, other, ev, []string{"survey"}, time.Second)
	require.NoError(t, one.DeleteEntry(context.Background(), "survey", usecase.AnyVersion))
	took = waitUntilMatched(t, other, ev, nil, time.Second)
	t.Logf("a deleted entry left the other starter in %s", took)
}

// Without notifications (a starter that cannot listen), the generation
// check on a timer still brings a change within a second or so.
func TestAStarterThatCannotListenStillSeesChanges(t *testing.T) {
	t.Parallel()
	st, dbURL := testenv.StoreURL(t)
	one := startStarter(t, st)
	deaf := startStarter(t, openStore(t, dbURL, "postgres://127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=1"))
	ev := event("Problem solved")

	_, err := one.CreateEntry(context.Background(), entry.Entry{ID: "survey", Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}})
	require.NoError(t, err)

	took := waitUntilMatched(t, deaf, ev, []string{"survey"}, 3*time.Second)
	t.Logf("without notifications a new entry reached the other starter in %s", took)
}

// The starter that changes an entry matches its very next event with the
// change, however the change was made: conditional writes (If-Match, the
// console's save) announce it as the others do. Its listener is off, so
// the test cannot pass by PostgreSQL's NOTIFY; each change is matched at
// once, well inside the second between two generation checks.
func TestTheNextEventSeesEveryEntryChangeMadeThroughTheSameStarter(t *testing.T) {
	t.Parallel()
	svc := startStarter(t, testenv.DeafStore(t))
	ctx := context.Background()
	ev := event("Problem solved")
	e := entry.Entry{ID: "survey", Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}}
	versionMatched := func() int {
		t.Helper()
		res, err := svc.Ingest(ctx, ev, true)
		require.NoError(t, err)
		if len(res.Matches) == 0 {
			return 0
		}
		require.Len(t, res.Matches, 1)
		return res.Matches[0].EntryVersion
	}

	_, err := svc.CreateEntry(ctx, e)
	require.NoError(t, err)
	require.Equal(t, 1, versionMatched(), "created")
	_, err = svc.UpdateEntry(ctx, e, usecase.AnyVersion)
	require.NoError(t, err)
	require.Equal(t, 2, versionMatched(), "updated over any version")
	for read := 2; read < 5; read++ {
		_, err = svc.UpdateEntry(ctx, e, read)
		require.NoError(t, err)
		require.Equal(t, read+1, versionMatched(), "updated from version %d", read)
	}
	_, err = svc.UpdateEntry(ctx, e, 2)
	require.ErrorIs(t, err, usecase.ErrStale)
	require.Equal(t, 5, versionMatched(), "a stale update changes nothing")
	require.NoError(t, svc.DeleteEntry(ctx, e.ID, 5))
	require.Equal(t, 0, versionMatched(), "deleted at the version read")
}
