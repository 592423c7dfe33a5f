package workflows

import (
	"cmp"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
)

// registerHandlers sets up the state and timeline queries, the survey
// answer update and the clear-event update.
func (r *run) registerHandlers(ctx workflow.Context) error {
	err := workflow.SetQueryHandlerWithOptions(ctx, StateQuery, func() (State, error) {
		return r.state, nil
	}, workflow.QueryHandlerOptions{Description: "Where the run is, its variables and the messages it sent"})
	if err != nil {
		return fmt.Errorf("registering query %q: %w", StateQuery, err)
	}
	err = workflow.SetQueryHandlerWithOptions(ctx, TimelineQuery, func() (Timeline, error) {
		return r.timeline, nil
	}, workflow.QueryHandlerOptions{Description: "What happened in the run, step by step, as a simulation shows it"})
	if err != nil {
		return fmt.Errorf("registering query %q: %w", TimelineQuery, err)
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, SurveyAnswerUpdate, r.answerSurvey, workflow.UpdateHandlerOptions{
		Validator:   r.validateSurveyAnswer,
		Description: "A customer's answer to the survey the run is waiting on",
	})
	if err != nil {
		return fmt.Errorf("registering update %q: %w", SurveyAnswerUpdate, err)
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, ClearEventUpdate, r.clearEventUpdate, workflow.UpdateHandlerOptions{
		Validator:   validateClearEvent,
		Description: "Clear a scheduled event that has not fired; the result says whether it was pending",
	})
	if err != nil {
		return fmt.Errorf("registering update %q: %w", ClearEventUpdate, err)
	}
	return nil
}

// validateSurveyAnswer rejects, before it enters history, an answer that is
// malformed or that the run is not waiting for (another survey, one already
// answered, or a wait that has ended).
func (r *run) validateSurveyAnswer(_ workflow.Context, answer SurveyAnswer) error {
	s := r.surveys[answer.SurveyID]
	// An answer to a survey the run does not know is checked on the widest
	// scale, then refused as not pending.
	on := scale.NPS
	if s != nil {
		on = s.scale
	}
	if err := answer.Check(on); err != nil {
		return temporal.NewApplicationError(err.Error(), ErrInvalidSurveyAnswer)
	}
	if s == nil || s.answer != nil {
		err := validation.Errorf("survey_id", "the run is not waiting for an answer to survey %q", answer.SurveyID)
		return temporal.NewApplicationError(err.Error(), ErrSurveyNotPending)
	}
	return nil
}

// answerSurvey hands an accepted answer to the waiting send_survey step and
// returns it: a caller that retries an update whose reply it lost (same
// update ID) gets the answer the run took, and records that one.
// Replays skip the validator, so the handler does not count on it.
func (r *run) answerSurvey(ctx workflow.Context, answer SurveyAnswer) (SurveyAnswer, error) {
	if err := r.validateSurveyAnswer(ctx, answer); err != nil {
		return SurveyAnswer{}, err
	}
	r.surveys[answer.SurveyID].answer = &answer
	return answer, nil
}

// validateClearEvent rejects a clear-event update without a name.
func validateClearEvent(_ workflow.Context, req ClearEvent) error {
	if req.Name == "" {
		return temporal.NewApplicationError(validation.Errorf("name", "is required").Error(), ErrInvalidClearEvent)
	}
	return nil
}

// clearEventUpdate clears a scheduled event at a caller's request.
func (r *run) clearEventUpdate(ctx workflow.Context, req ClearEvent) (ClearEventResult, error) {
	if err := validateClearEvent(ctx, req); err != nil {
		return ClearEventResult{}, err
	}
	return ClearEventResult{WasPending: r.clearEvent(ctx, req.Name, cmp.Or(req.By, OperatorOutsideCcflow))}, nil
}
