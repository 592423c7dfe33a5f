//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// flakyStarts makes the starts of chosen workflows fail: lost is a start
// Temporal carried out whose answer never came back, refused one that
// never reached it (both look alike to the caller).
type flakyStarts struct {
	lost, refused atomic.Value // string: a workflow ID suffix
}

func (f *flakyStarts) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	start, ok := req.(*workflowservice.StartWorkflowExecutionRequest)
	if !ok {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	// Deadline errors, which the SDK does not retry: the caller hears of
	// them at once, as when its own deadline passes.
	if prefix, _ := f.refused.Load().(string); prefix != "" && strings.HasPrefix(start.GetWorkflowId(), prefix) {
		return status.Error(codes.DeadlineExceeded, "the test's Temporal did not answer")
	}
	err := invoker(ctx, method, req, reply, cc, opts...)
	if prefix, _ := f.lost.Load().(string); err == nil && prefix != "" && strings.HasPrefix(start.GetWorkflowId(), prefix) {
		return status.Error(codes.DeadlineExceeded, "the test's Temporal answered too late")
	}
	return err
}

func (f *flakyStarts) heal() {
	f.lost.Store("")
	f.refused.Store("")
}

func newFlakyFixture(t *testing.T) (fixture, *flakyStarts) {
	flaky := &flakyStarts{}
	flaky.heal()
	st := testenv.Store(t)
	tc := testenv.TemporalIntercepted(t, flaky.intercept)
	return fixture{svc: &usecase.Service{Store: st, Temporal: tc, TaskQueue: testenv.TaskQueue(t)}, store: st, temporal: tc}, flaky
}

// When Temporal fails one of an event's starts, the answer says what is
// true: which runs started and which may or may not have; it never says
// nothing changed. Sending the event again starts only what is missing.
func TestIngestSaysWhichRunsStartedWhenTemporalFailsHalfway(t *testing.T) {
	t.Parallel()
	f, flaky := newFlakyFixture(t)
	f.addEntry(t, "callback", "Problem solved")
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	flaky.refused.Store("survey/")

	_, err := f.svc.Ingest(ctx, ev, false)

	require.ErrorIs(t, err, usecase.ErrUnavailable)
	var unavailable *usecase.UnavailableError
	require.ErrorAs(t, err, &unavailable)
	callback, survey := workflows.WorkflowID("callback", ev.InteractionID), workflows.WorkflowID("survey", ev.InteractionID)
	require.Equal(t, callback+" started; Temporal did not answer in time for "+survey+
		", which may or may not have started; sending the event again starts only what is missing", unavailable.Message)
	_, err = f.store.Run(ctx, callback)
	require.NoError(t, err, "the run that started is recorded")

	flaky.heal()
	again, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, again)
	require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
	require.Equal(t, interaction.StatusStarted, again.Matches[1].Status)
}

// A start whose answer is lost leaves its claim: the caller may give up,
// and the run it started still has its record. The reconciler asks
// Temporal and records the run with what it was started with; a claim
// whose run never started is removed, so a later delivery starts it.
func TestReconcileSettlesClaimsNobodyConfirmed(t *testing.T) {
	t.Parallel()
	f, flaky := newFlakyFixture(t)
	f.addEntry(t, "callback", "Problem solved")
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	flaky.lost.Store("callback/")
	flaky.refused.Store("survey/")

	_, err := f.svc.Ingest(ctx, ev, false)
	require.ErrorIs(t, err, usecase.ErrUnavailable, "the caller hears of trouble and gives up")
	callback, survey := workflows.WorkflowID("callback", ev.InteractionID), workflows.WorkflowID("survey", ev.InteractionID)
	t.Cleanup(func() { _ = f.temporal.TerminateWorkflow(context.Background(), callback, "", "test finished") })
	desc, err := f.temporal.DescribeWorkflow(ctx, callback, "")
	require.NoError(t, err, "the lost start did start the run")
	stale, err := f.store.StaleClaims(ctx, time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, stale, 2, "both runs are claimed, neither confirmed")

	flaky.heal()
	got, err := f.svc.Reconcile(ctx, time.Now().Add(time.Minute)) // as if a minute had passed

	require.NoError(t, err)
	require.Equal(t, usecase.Reconciled{Confirmed: 1, Released: 1}, got)
	run, err := f.store.Run(ctx, callback)
	require.NoError(t, err)
	require.Equal(t, desc.WorkflowExecution.RunID, run.RunID)
	require.Equal(t, 1, run.EntryVersion)
	stale, err = f.store.StaleClaims(ctx, time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Empty(t, stale)

	again, err := f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, again)
	require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
	require.Equal(t, run.RunID, again.Matches[0].RunID)
	require.Equal(t, interaction.StatusStarted, again.Matches[1].Status, "the run that never started starts now")
	require.Equal(t, survey, again.Matches[1].WorkflowID)
}

// A retry after a lost answer starts the run again only in name: Temporal
// says it runs, and the answer and the record carry that run.
func TestIngestAfterALostAnswerReportsTheRunThatStarted(t *testing.T) {
	t.Parallel()
	f, flaky := newFlakyFixture(t)
	f.addEntry(t, "survey", "Problem solved")
	ctx := context.Background()
	ev := event("Problem solved")
	flaky.lost.Store("survey/")
	_, err := f.svc.Ingest(ctx, ev, false)
	require.ErrorIs(t, err, usecase.ErrUnavailable)
	wf := workflows.WorkflowID("survey", ev.InteractionID)
	t.Cleanup(func() { _ = f.temporal.TerminateWorkflow(context.Background(), wf, "", "test finished") })

	flaky.heal()
	again, err := f.svc.Ingest(ctx, ev, false)

	require.NoError(t, err)
	desc, err := f.temporal.DescribeWorkflow(ctx, wf, "")
	require.NoError(t, err)
	require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
	require.Equal(t, desc.WorkflowExecution.RunID, again.Matches[0].RunID)
	run, err := f.store.Run(ctx, wf)
	require.NoError(t, err)
	require.Equal(t, again.Matches[0].RunID, run.RunID)
}

// A start Temporal refuses for good starts nothing, and leaves no claim.
func TestIngestReleasesTheClaimOfARefusedStart(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	refuse := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := req.(*workflowservice.StartWorkflowExecutionRequest); ok {
			return status.Error(codes.InvalidArgument, "the test's Temporal refuses every start")
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	f := fixture{svc: &usecase.Service{Store: st, Temporal: testenv.TemporalIntercepted(t, refuse), TaskQueue: testenv.TaskQueue(t)}, store: st}
	f.addEntry(t, "survey", "Problem solved")

	_, err := f.svc.Ingest(context.Background(), event("Problem solved"), false)

	require.Error(t, err)
	require.NotErrorIs(t, err, usecase.ErrUnavailable)
	stale, err := st.StaleClaims(context.Background(), time.Now().Add(time.Minute), 10)
	require.NoError(t, err)
	require.Empty(t, stale)
	var claims int
	require.NoError(t, st.DB().Get(&claims, `SELECT count(*) FROM runs`))
	require.Zero(t, claims)
}
