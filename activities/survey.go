package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// OpenSurvey records a survey for a send_survey step and returns its signed
// link. The survey's ID is the workflow ID and the step id, so a retry finds
// the survey the first attempt recorded and returns the same link.
func (a *Activities) OpenSurvey(ctx context.Context, in workflows.OpenSurveyInput) (workflows.Survey, error) {
	if in.WorkflowID == "" || in.StepID == "" {
		return workflows.Survey{}, invalidInput(fmt.Sprintf("survey needs a workflow ID and a step id, got %q and %q", in.WorkflowID, in.StepID))
	}
	tokenID, err := tokens.NewID()
	if err != nil {
		return workflows.Survey{}, fmt.Errorf("making a survey token: %w", err)
	}
	ttl := a.SurveyTTL
	if ttl == 0 {
		ttl = config.DefaultSurveyTTL
	}
	sv, err := a.Store.CreateSurvey(ctx, store.Survey{
		ID:            workflows.StepKey(in.WorkflowID, in.StepID),
		TokenID:       tokenID,
		WorkflowID:    in.WorkflowID,
		RunID:         in.RunID,
		StepID:        in.StepID,
		EntryID:       in.EntryID,
		InteractionID: in.InteractionID,
		Channel:       in.Channel,
		Question:      in.Question,
		WaitUntil:     in.WaitUntil,
		ExpiresAt:     in.WaitUntil.Add(ttl),
		EntryVersion:  in.EntryVersion,
		Scale:         in.Scale,
		Language:      in.Language,
		Service:       in.Service,
	})
	if err != nil {
		return workflows.Survey{}, err
	}
	link := strings.TrimRight(a.PublicURL, "/") + "/s/" + a.surveyLinks().Sign(sv.TokenID) // tokens are URL-safe
	a.logger(ctx).Info("Opened survey", "survey_id", sv.ID, "expires_at", sv.ExpiresAt)
	return workflows.Survey{ID: sv.ID, URL: link}, nil
}

// RecordRunEnd records how a run ended in its run record. Recording it
// again (a retry) changes nothing; a run without a record (one started
// outside ingest, such as a test's) is no error: there is nothing to
// record it in.
func (a *Activities) RecordRunEnd(ctx context.Context, in workflows.RunEnd) (workflows.RunEndRecorded, error) {
	if in.WorkflowID == "" {
		return workflows.RunEndRecorded{}, invalidInput("a run's end needs its workflow ID")
	}
	_, ended, err := a.Store.RecordRunEnd(ctx, store.RunEnd{WorkflowID: in.WorkflowID, RunID: in.RunID,
		Status: in.Status, Reason: in.Reason, EndedAt: in.EndedAt})
	if errors.Is(err, store.ErrNotFound) {
		a.logger(ctx).Warn("The run has no record to record its end in", "workflow_id", in.WorkflowID)
		return workflows.RunEndRecorded{}, nil
	}
	if err != nil {
		return workflows.RunEndRecorded{}, err
	}
	a.logger(ctx).Info("Recorded how the run ended", "workflow_id", in.WorkflowID, "status", in.Status, "recorded_now", ended)
	return workflows.RunEndRecorded{Recorded: ended}, nil
}
