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

func newRun(runID string) store.Run {
	return store.Run{
		WorkflowID:    "post-call-survey/INT-1001",
		RunID:         runID,
		EntryID:       "post-call-survey",
		EntryVersion:  3,
		InteractionID: "INT-1001",
		Trigger:       "disposition",
		StartedAt:     time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC),
	}
}

func TestRecordRunKeepsTheFirstRecord(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	first := newRun("run-1")

	require.NoError(t, s.RecordRun(ctx, first))
	require.NoError(t, s.RecordRun(ctx, newRun("run-2")), "a retried event records nothing new")

	got, err := s.Run(ctx, first.WorkflowID)
	require.NoError(t, err)
	require.True(t, first.StartedAt.Equal(got.StartedAt))
	got.StartedAt = first.StartedAt
	first.Status = store.RunRunning // until the run records its end
	require.Equal(t, first, got)
}

func TestRecordRunWithoutStartTimeUsesNow(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	r := newRun("run-1")
	r.StartedAt = time.Time{}

	require.NoError(t, s.RecordRun(ctx, r))

	got, err := s.Run(ctx, r.WorkflowID)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), got.StartedAt, time.Hour)
}

func TestRunOfAnUnknownWorkflowIsNotFound(t *testing.T) {
	s := testenv.Store(t)
	_, err := s.Run(context.Background(), "post-call-survey/INT-404")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func claim(workflowID string) store.Run {
	return store.Run{WorkflowID: workflowID, EntryID: "post-call-survey", EntryVersion: 3, InteractionID: "INT-1001", Trigger: "disposition"}
}

func TestClaimRunsClaimsNewRunsAndReportsRecordedOnes(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	first, err := s.ClaimRuns(ctx, []store.Run{claim("a/INT-1001"), claim("b/INT-1001")})
	require.NoError(t, err)
	require.Len(t, first, 2)
	for i, id := range []string{"a/INT-1001", "b/INT-1001"} {
		require.Equal(t, id, first[i].WorkflowID)
		require.Empty(t, first[i].RunID, "claimed: the caller's to start")
		require.Equal(t, 3, first[i].EntryVersion)
	}
	_, err = s.Run(ctx, "a/INT-1001")
	require.ErrorIs(t, err, store.ErrNotFound, "a claim is not a run")

	started := claim("a/INT-1001")
	started.RunID, started.EntryVersion, started.Trigger = "run-a", 2, "what it started with"
	require.NoError(t, s.ConfirmRuns(ctx, []store.Run{started}))

	again, err := s.ClaimRuns(ctx, []store.Run{claim("a/INT-1001"), claim("b/INT-1001")})
	require.NoError(t, err)
	require.Equal(t, "run-a", again[0].RunID, "a confirmed run is reported, not claimed")
	require.Equal(t, 2, again[0].EntryVersion)
	require.Equal(t, "what it started with", again[0].Trigger)
	require.Empty(t, again[1].RunID, "an unconfirmed claim is claimed again")
	require.True(t, again[1].ClaimedAt.After(first[1].ClaimedAt), "and its claim renewed")

	run, err := s.Run(ctx, "a/INT-1001")
	require.NoError(t, err)
	require.Equal(t, "run-a", run.RunID)
	require.NoError(t, s.ConfirmRuns(ctx, []store.Run{{WorkflowID: "a/INT-1001", RunID: "run-other"}}))
	run, err = s.Run(ctx, "a/INT-1001")
	require.NoError(t, err)
	require.Equal(t, "run-a", run.RunID, "a confirmed run keeps its run ID")
}

func TestReleaseClaimLeavesAClaimTakenAgain(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	first, err := s.ClaimRuns(ctx, []store.Run{claim("a/INT-1001")})
	require.NoError(t, err)
	renewed, err := s.ClaimRuns(ctx, []store.Run{claim("a/INT-1001")})
	require.NoError(t, err)

	released, err := s.ReleaseClaim(ctx, first[0])
	require.NoError(t, err)
	require.False(t, released, "claimed again since: another request is starting it")

	stale, err := s.StaleClaims(ctx, time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, stale, 1)
	require.Equal(t, renewed[0].ClaimedAt, stale[0].ClaimedAt)
	released, err = s.ReleaseClaim(ctx, stale[0])
	require.NoError(t, err)
	require.True(t, released)
	stale, err = s.StaleClaims(ctx, time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Empty(t, stale)
}

func TestStaleClaimsAreOldUnconfirmedOnes(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.ClaimRuns(ctx, []store.Run{claim("a/INT-1001"), claim("b/INT-1001")})
	require.NoError(t, err)
	require.NoError(t, s.ConfirmRuns(ctx, []store.Run{{WorkflowID: "b/INT-1001", RunID: "run-b", EntryVersion: 3, Trigger: "disposition"}}))

	stale, err := s.StaleClaims(ctx, time.Now().Add(-time.Minute), 10)
	require.NoError(t, err)
	require.Empty(t, stale, "a claim just taken is not stale")
	stale, err = s.StaleClaims(ctx, time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, stale, 1)
	require.Equal(t, "a/INT-1001", stale[0].WorkflowID)

	recorded, err := s.RecordedRuns(ctx, []string{"a/INT-1001", "b/INT-1001", "c/INT-1001"})
	require.NoError(t, err)
	require.Len(t, recorded, 1)
	require.Equal(t, "run-b", recorded["b/INT-1001"].RunID)
}
