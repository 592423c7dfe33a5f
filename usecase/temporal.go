package usecase

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/workflows"
)

// This file is ccflow's whole conversation with a follow-up through
// Temporal's client: how a run is started, what its memo keeps, and the
// calls that act on it once it runs. The use cases make these calls and
// the history recorder makes them too, so the recorded histories hold
// exactly what production sends.

// What a run records about its start in its memo, for a retry that finds
// the run started but not recorded.
const (
	memoEntryVersion = "entry_version"
	memoTrigger      = "trigger"
)

// StartOptions are the options a follow-up for in is started with. Ingest
// starts every run with them; the benchmarks' raw SDK starts use them too,
// so both ways start exactly the same workflow.
func StartOptions(in workflows.FollowUpInput, workflowID, taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Without it the SDK hands back the running execution as if it
		// were new, and a repeated event would be reported as started.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(workflows.SearchAttributes(in)...),
		Memo:                                     map[string]any{memoEntryVersion: in.Entry.Version, memoTrigger: in.Trigger},
		StaticSummary:                            workflows.StaticSummary(in),
		StaticDetails:                            workflows.StaticDetails(in),
	}
}

// startedRun is what a run's description says about its start.
type startedRun struct {
	RunID string
	// EntryVersion and Trigger are what the run was started with, from
	// its memo; Known is false for a run without them (started before
	// ccflow kept them).
	EntryVersion int
	Trigger      string
	Known        bool
}

// describeStart describes run workflowID (runID "": its latest run) and
// reads what it was started with. A run that does not exist comes back as
// Temporal's NotFound, wrapped.
func describeStart(ctx context.Context, c client.Client, workflowID, runID string) (startedRun, error) {
	desc, err := c.DescribeWorkflow(ctx, workflowID, runID)
	if err != nil {
		return startedRun{}, classify(fmt.Errorf("describing run %s (%s): %w", workflowID, runID, err))
	}
	r := startedRun{RunID: desc.WorkflowExecution.RunID}
	// The memo is decoded by the client's own data converter: with payload
	// keys set, it is encrypted like every other payload.
	versionErr, triggerErr := desc.GetMemoValue(memoEntryVersion, &r.EntryVersion), desc.GetMemoValue(memoTrigger, &r.Trigger)
	if errors.Is(versionErr, temporal.ErrNoData) || errors.Is(triggerErr, temporal.ErrNoData) {
		return startedRun{RunID: r.RunID}, nil
	}
	if err := errors.Join(versionErr, triggerErr); err != nil {
		return startedRun{RunID: r.RunID}, fmt.Errorf("reading what run %s was started with: %w", workflowID, err)
	}
	r.Known = true
	return r, nil
}

// SendSurveyAnswer hands a to the run waiting on its survey and returns the
// answer the run took. The update's ID is the survey's, so Temporal runs it
// once per survey: a concurrent or later call, even after the run has
// ended, gets the first accepted answer back instead of handing over a
// second one.
func SendSurveyAnswer(ctx context.Context, c client.Client, workflowID string, a workflows.SurveyAnswer) (workflows.SurveyAnswer, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     a.SurveyID,
		WorkflowID:   workflowID,
		UpdateName:   workflows.SurveyAnswerUpdate,
		Args:         []any{a},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var accepted workflows.SurveyAnswer
	if err == nil {
		err = h.Get(ctx, &accepted)
	}
	return accepted, err
}

// SendClearEvent clears a scheduled event of the run and says whether it
// was pending.
func SendClearEvent(ctx context.Context, c client.Client, workflowID, runID string, req workflows.ClearEvent) (workflows.ClearEventResult, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		RunID:        runID,
		UpdateName:   workflows.ClearEventUpdate,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res workflows.ClearEventResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	return res, err
}

// RequestCancel stops the run: a signal first tells it who asks and why,
// since Temporal's cancel request carries neither.
func RequestCancel(ctx context.Context, c client.Client, workflowID, runID string, req workflows.CancelRequest) error {
	if err := c.SignalWorkflow(ctx, workflowID, runID, workflows.CancelRequestSignal, req); err != nil {
		return err
	}
	return c.CancelWorkflow(ctx, workflowID, runID)
}
