//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// fixture is an ingest service on a fresh database and its own task queue.
// No worker polls the queue: started runs just wait, which is all these
// tests need to see.
type fixture struct {
	svc      *usecase.Service
	store    *store.Store
	temporal client.Client
}

func newFixture(t *testing.T) fixture {
	st := testenv.Store(t)
	tc := testenv.Temporal(t)
	return fixture{
		svc:      &usecase.Service{Store: st, Temporal: tc, TaskQueue: testenv.TaskQueue(t)},
		store:    st,
		temporal: tc,
	}
}

// addEntry stores an entry that fires on disposition for any service.
func (f fixture) addEntry(t *testing.T, id, disposition string) entry.Entry {
	t.Helper()
	e, err := f.store.CreateEntry(context.Background(), entry.Entry{
		ID: id, Name: id, Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: disposition}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}},
	})
	require.NoError(t, err)
	return e
}

// terminateAtCleanup stops the runs a test started, so they do not linger
// on the shared dev server.
func (f fixture) terminateAtCleanup(t *testing.T, res interaction.Result) {
	t.Cleanup(func() {
		for _, m := range res.Matches {
			_ = f.temporal.TerminateWorkflow(context.Background(), m.WorkflowID, "", "test finished")
		}
	})
}

// event is an ended interaction with an ID no earlier test run used:
// workflow IDs outlive the test's database on the shared Temporal server.
func event(disposition string) interaction.Event {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return interaction.Event{InteractionID: "INT-" + hex.EncodeToString(b), Service: "Billing Support", Disposition: disposition}
}

func TestIngestStartsOneRunPerMatchingEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addEntry(t, "survey", "Problem solved")
	f.addEntry(t, "callback", "Problem solved")
	f.addEntry(t, "spam-cleanup", "Spam")
	ctx := context.Background()
	ev := event("Problem solved")

	res, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, res)

	require.Equal(t, ev.InteractionID, res.InteractionID)
	require.Len(t, res.Matches, 2)
	for i, entryID := range []string{"callback", "survey"} { // entry-id order
		m := res.Matches[i]
		require.Equal(t, entryID, m.EntryID)
		require.Equal(t, 1, m.EntryVersion)
		require.Equal(t, workflows.WorkflowID(entryID, ev.InteractionID), m.WorkflowID)
		require.Equal(t, interaction.StatusStarted, m.Status)
		require.NotEmpty(t, m.Trigger)

		desc, err := f.temporal.DescribeWorkflow(ctx, m.WorkflowID, "")
		require.NoError(t, err)
		require.Equal(t, m.RunID, desc.RawResponse.WorkflowExecutionInfo.Execution.RunId)
		require.Equal(t, f.svc.TaskQueue, desc.RawResponse.WorkflowExecutionInfo.TaskQueue)

		run, err := f.store.Run(ctx, m.WorkflowID)
		require.NoError(t, err)
		require.Equal(t, m.RunID, run.RunID)
		require.Equal(t, m.Trigger, run.Trigger)
	}
}

func TestIngestTheSameEventAgainStartsNothingNew(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	first, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, first)

	again, err := f.svc.Ingest(ctx, ev, false)

	require.NoError(t, err)
	require.Len(t, again.Matches, 1)
	require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
	require.Equal(t, first.Matches[0].RunID, again.Matches[0].RunID)
	desc, err := f.temporal.DescribeWorkflow(ctx, first.Matches[0].WorkflowID, "")
	require.NoError(t, err)
	require.Equal(t, first.Matches[0].RunID, desc.RawResponse.WorkflowExecutionInfo.Execution.RunId, "no second run")
}

func TestIngestAfterALostRunRecordReportsTemporalsRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	first, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, first)
	// As if the starter had crashed between starting the run and recording
	// it, and the entry had been edited before the event came again.
	_, err = f.store.DB().ExecContext(ctx, `DELETE FROM runs`)
	require.NoError(t, err)
	e.Steps[0].Spec.(*entry.Wait).Duration = "2d"
	_, err = f.store.UpdateEntry(ctx, e, store.AnyVersion)
	require.NoError(t, err)

	again, err := f.svc.Ingest(ctx, ev, false)

	require.NoError(t, err)
	require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
	require.Equal(t, first.Matches[0].RunID, again.Matches[0].RunID)
	require.Equal(t, 1, again.Matches[0].EntryVersion, "the version the run started with, not today's")
	run, err := f.store.Run(ctx, first.Matches[0].WorkflowID)
	require.NoError(t, err, "the retry records the run the first attempt started")
	require.Equal(t, first.Matches[0].RunID, run.RunID)
	require.Equal(t, 1, run.EntryVersion)
}

func TestIngestNeverRestartsAFinishedRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	first, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	wfID := first.Matches[0].WorkflowID
	require.NoError(t, f.temporal.TerminateWorkflow(ctx, wfID, "", "finished"))
	_, err = f.store.DB().ExecContext(ctx, `DELETE FROM runs`)
	require.NoError(t, err)

	again, err := f.svc.Ingest(ctx, ev, false)

	require.NoError(t, err)
	require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
	desc, err := f.temporal.DescribeWorkflow(ctx, wfID, "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, desc.RawResponse.WorkflowExecutionInfo.Status)
}

func TestIngestDryRunStartsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")

	res, err := f.svc.Ingest(ctx, ev, true)

	require.NoError(t, err)
	require.Len(t, res.Matches, 1)
	m := res.Matches[0]
	require.Equal(t, interaction.StatusWouldStart, m.Status)
	require.Empty(t, m.RunID)
	_, err = f.temporal.DescribeWorkflow(ctx, m.WorkflowID, "")
	var notFound *serviceerror.NotFound
	require.ErrorAs(t, err, &notFound)
	_, err = f.store.Run(ctx, m.WorkflowID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestIngestDryRunReportsRunsAlreadyStarted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	started, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, started)

	res, err := f.svc.Ingest(ctx, ev, true)

	require.NoError(t, err)
	require.Equal(t, interaction.StatusAlreadyStarted, res.Matches[0].Status)
	require.Equal(t, started.Matches[0].RunID, res.Matches[0].RunID)
}

func TestIngestAnEventMatchingNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addEntry(t, "survey", "Problem solved")

	res, err := f.svc.Ingest(context.Background(), event("Spam"), false)

	require.NoError(t, err)
	require.NotNil(t, res.Matches, "an empty list, so the JSON answer says [] rather than null")
	require.Empty(t, res.Matches)
}

func TestIngestRejectsAnInvalidEventNamingTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := event("Problem solved")
	ev.InteractionID = "INT 1001" // a space is not allowed

	_, err := f.svc.Ingest(context.Background(), ev, false)

	require.Error(t, err)
	require.Equal(t, "interaction_id", validation.First(err).Path)
}

func TestIngestWhenTemporalIsUnreachable(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	unreachable, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	t.Cleanup(unreachable.Close)
	f := fixture{svc: &usecase.Service{Store: st, Temporal: unreachable, TaskQueue: testenv.TaskQueue(t)}, store: st}
	f.addEntry(t, "survey", "Problem solved")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev := event("Problem solved")

	_, err = f.svc.Ingest(ctx, ev, false)

	require.ErrorIs(t, err, usecase.ErrUnavailable)
	_, err = st.Run(context.Background(), workflows.WorkflowID("survey", ev.InteractionID))
	require.ErrorIs(t, err, store.ErrNotFound, "nothing recorded, so a retry starts the run")
}

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"temporal unavailable", serviceerror.NewUnavailable("down"), true},
		{"temporal deadline", serviceerror.NewDeadlineExceeded("slow"), true},
		{"our own deadline", context.DeadlineExceeded, true},
		{"already wrapped", usecase.ErrUnavailable, true},
		{"connection refused", fmt.Errorf("listing entries: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"postgres shutting down", &pq.Error{Code: "57P01"}, true},
		{"postgres connection failure", &pq.Error{Code: "08006"}, true},
		{"postgres constraint", &pq.Error{Code: "23505"}, false},
		{"temporal refusal", serviceerror.NewInvalidArgument("bad"), false},
		{"anything else", errors.New("bug"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, usecase.IsUnavailable(tt.err))
		})
	}
}
