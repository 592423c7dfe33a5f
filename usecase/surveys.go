package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// handOverTimeout bounds handing an answer to its run. Past it nothing is
// stored and the customer is asked to try again.
const handOverTimeout = 10 * time.Second

// OpenSurvey finds the survey a link's token opens, if it still takes an
// answer: ErrInvalidLink for a forged, mangled or unknown token, ErrAnswered
// and ErrClosed for one answered or expired.
func (s *Service) OpenSurvey(ctx context.Context, token string) (store.Survey, error) {
	// The customer is told the same for every bad link; the log tells a
	// mangled link from a forged one (someone guessing) from an unknown one.
	tokenID, err := s.Signer.Verify(token)
	if err != nil {
		s.logger().InfoContext(ctx, "survey link refused", "reason", err.Error())
		return store.Survey{}, ErrInvalidLink
	}
	sv, err := s.Store.SurveyByToken(ctx, tokenID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.logger().InfoContext(ctx, "survey link refused", "reason", "no survey has this token")
		return store.Survey{}, ErrInvalidLink
	case err != nil:
		return store.Survey{}, classify(err)
	case sv.Answer != nil:
		return store.Survey{}, fmt.Errorf("survey %q: %w", sv.ID, ErrAnswered)
	case time.Now().After(sv.ExpiresAt):
		return store.Survey{}, fmt.Errorf("survey %q (expired %s): %w", sv.ID, sv.ExpiresAt.UTC().Format(time.RFC3339), ErrClosed)
	}
	return sv, nil
}

// AnswerSurvey takes a customer's answer to the survey token opens: it
// hands the answer to the run waiting on the survey and stores what the run
// took, and returns the stored answer. Delivered is false for a late
// answer, one the run was no longer waiting for (or a run that is gone):
// it is kept all the same and shown to operators. When the run cannot be
// reached (ErrUnavailable) nothing is stored and the customer can try
// again. A score or comment out of bounds is a validation error naming the
// field.
func (s *Service) AnswerSurvey(ctx context.Context, token string, a workflows.SurveyAnswer) (store.SurveyAnswer, error) {
	sv, err := s.OpenSurvey(ctx, token)
	if err != nil {
		return store.SurveyAnswer{}, err
	}
	a.SurveyID = sv.ID
	if err := a.Check(); err != nil {
		return store.SurveyAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, handOverTimeout)
	defer cancel()
	answered, err := s.Store.AnswerSurvey(ctx, sv.ID, func(ctx context.Context, sv store.Survey) (store.SurveyAnswer, error) {
		return s.handOver(ctx, sv, a)
	})
	switch {
	case errors.Is(err, store.ErrAlreadyAnswered):
		return store.SurveyAnswer{}, fmt.Errorf("survey %q: %w", sv.ID, ErrAnswered)
	case errors.Is(err, store.ErrExpired):
		return store.SurveyAnswer{}, fmt.Errorf("survey %q: %w", sv.ID, ErrClosed)
	case err != nil:
		return store.SurveyAnswer{}, classify(err)
	}
	return *answered.Answer, nil
}

// handOver hands a to the run waiting on sv and says what to store: the
// answer the run took (Delivered), which after a lost reply may be an
// earlier attempt's, or a itself as a late answer when the run has stopped
// waiting (its validator says the survey is not pending) or has ended.
// Temporal being unreachable is an error, so that nothing is stored and
// the customer retries.
func (s *Service) handOver(ctx context.Context, sv store.Survey, a workflows.SurveyAnswer) (store.SurveyAnswer, error) {
	taken, err := SendSurveyAnswer(ctx, s.Temporal, sv.WorkflowID, a)
	var (
		rejected *temporal.ApplicationError
		notFound *serviceerror.NotFound
	)
	switch {
	case err == nil:
		return store.SurveyAnswer{Score: taken.Score, Comment: taken.Comment, Delivered: true}, nil
	case errors.As(err, &rejected) && rejected.Type() == workflows.ErrSurveyNotPending, errors.As(err, &notFound):
		s.logger().InfoContext(ctx, "survey answer arrived after the run stopped waiting",
			"survey_id", sv.ID, "workflow_id", sv.WorkflowID, "reason", err.Error())
		return store.SurveyAnswer{Score: a.Score, Comment: a.Comment}, nil
	}
	return store.SurveyAnswer{}, classify(fmt.Errorf("updating workflow %s with the answer to survey %s: %w", sv.WorkflowID, sv.ID, err))
}
