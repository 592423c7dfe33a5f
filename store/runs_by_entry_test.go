//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func recordRuns(t *testing.T, s *store.Store, runs ...store.Run) {
	t.Helper()
	for _, r := range runs {
		require.NoError(t, s.RecordRun(context.Background(), r))
	}
}

func runOf(entryID, interactionID string, startedAt time.Time) store.Run {
	return store.Run{WorkflowID: entryID + "/" + interactionID, RunID: "run-" + interactionID, EntryID: entryID,
		EntryVersion: 1, InteractionID: interactionID, Trigger: `disposition = "Problem solved"`, StartedAt: startedAt}
}

func TestRunsOfEntryAreNewestFirst(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	recordRuns(t, s,
		runOf("survey", "INT-1", now.Add(-3*time.Hour)),
		runOf("survey", "INT-3", now.Add(-time.Hour)),
		runOf("survey", "INT-2", now.Add(-2*time.Hour)),
		runOf("other", "INT-4", now),
	)

	runs, err := s.RunsOfEntry(ctx, "survey", 2)

	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Equal(t, "survey/INT-3", runs[0].WorkflowID)
	require.Equal(t, "survey/INT-2", runs[1].WorkflowID)
	require.True(t, runs[0].StartedAt.Equal(now.Add(-time.Hour)))
	none, err := s.RunsOfEntry(ctx, "quiet", 2)
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestRunCountsSinceCountByEntry(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	now := time.Now()
	recordRuns(t, s,
		runOf("survey", "INT-1", now.Add(-25*time.Hour)),
		runOf("survey", "INT-2", now.Add(-23*time.Hour)),
		runOf("survey", "INT-3", now.Add(-time.Minute)),
		runOf("other", "INT-4", now.Add(-time.Hour)),
		runOf("old", "INT-5", now.Add(-48*time.Hour)),
	)

	counts, err := s.RunCountsSince(ctx, now.Add(-24*time.Hour))

	require.NoError(t, err)
	require.Equal(t, map[string]int{"survey": 2, "other": 1}, counts)
}
