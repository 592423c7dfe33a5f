package workflows

import (
	"context"

	"go.temporal.io/sdk/client"
)

// The calls below are how anything outside a run talks to it: the starter's
// API and the history recorder use them alike, so the recorded histories
// hold exactly what production sends.

// SendSurveyAnswer hands a to the run waiting on its survey and returns the
// answer the run took. The update's ID is the survey's, so Temporal runs it
// once per survey: a retry after a lost reply gets the first answer back.
func SendSurveyAnswer(ctx context.Context, c client.Client, workflowID string, a SurveyAnswer) (SurveyAnswer, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     a.SurveyID,
		WorkflowID:   workflowID,
		UpdateName:   SurveyAnswerUpdate,
		Args:         []any{a},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var accepted SurveyAnswer
	if err == nil {
		err = h.Get(ctx, &accepted)
	}
	return accepted, err
}

// SendClearEvent clears a scheduled event of the run and says whether it
// was pending.
func SendClearEvent(ctx context.Context, c client.Client, workflowID, runID string, req ClearEvent) (ClearEventResult, error) {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		RunID:        runID,
		UpdateName:   ClearEventUpdate,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res ClearEventResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	return res, err
}

// RequestCancel stops the run: a signal first tells it who asks and why,
// since Temporal's cancel request carries neither.
func RequestCancel(ctx context.Context, c client.Client, workflowID, runID string, req CancelRequest) error {
	if err := c.SignalWorkflow(ctx, workflowID, runID, CancelRequestSignal, req); err != nil {
		return err
	}
	return c.CancelWorkflow(ctx, workflowID, runID)
}
