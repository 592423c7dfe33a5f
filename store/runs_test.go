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
