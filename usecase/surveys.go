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

// recordTimeout bounds storing an answer the run has taken, which outlives
// the caller's deadline (see AnswerSurvey).
const recordTimeout = 10 * time.Second

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
// hands the answer to the run waiting on the survey, then stores what the
// run took, and returns the stored answer. Delivered is false for a late
// answer, one the run was no longer waiting for (or a run that is gone):
// it is kept all the same and shown to operators.
//
// The answer flows one way, and no database connection or lock is held
// while Temporal is called:
//
//  1. read the survey (OpenSurvey): a link answered or expired is refused
//     here, before anything is sent;
//  2. hand the answer over with SendSurveyAnswer, whose update ID is the
//     survey's: Temporal runs it once per survey, and any other call for
//     the same survey (a racing one, or a retry after a lost reply) gets
//     the answer the run took, never hands over its own;
//  3. store that answer with INSERT … ON CONFLICT DO NOTHING, on a context
//     of its own, so the store records what the run took even when the
//     caller's deadline passed meanwhile.
//
// Two answers racing past step 1 reach step 3 either both with the answer
// the run took or, when it took none, each with its own late one: once the
// run has taken an answer, Temporal gives it to every later update with the
// survey's ID, even after the run has ended, instead of asking the run
// again, so one racer is never refused as late while the other's answer is
// taken. The first answer stored stays; the other caller gets ErrAnswered,
// as it would have a moment later at step 1. A survey that expires while
// its answer is on the way keeps the answer: it came in time.
//
// When the run cannot be reached (ErrUnavailable) nothing is stored and
// the customer can try again. A score or comment out of bounds is a
// validation error naming the field.
func (s *Service) AnswerSurvey(ctx context.Context, token string, a workflows.SurveyAnswer) (store.SurveyAnswer, error) {
	sv, err := s.OpenSurvey(ctx, token)
	if err != nil {
		return store.SurveyAnswer{}, err
	}
	a.SurveyID = sv.ID
	if err := a.Check(); err != nil {
		return store.SurveyAnswer{}, err
	}
	taken, err := s.handOver(ctx, sv, a)
	if err != nil {
		return store.SurveyAnswer{}, err
	}
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	stored, inserted, err := s.Store.RecordSurveyAnswer(recordCtx, sv.ID, taken)
	switch {
	case err != nil:
		return store.SurveyAnswer{}, classify(err)
	case !inserted:
		return store.SurveyAnswer{}, fmt.Errorf("survey %q: answered while this answer was on its way: %w", sv.ID, ErrAnswered)
	}
	return stored, nil
}

// handOver hands a to the run waiting on sv and says what to store: the
// answer the run took (Delivered), which after a lost reply may be an
// earlier attempt's, or a itself as a late answer when the run has stopped
// waiting (its validator says the survey is not pending) or has ended.
// Temporal being unreachable is an error, so that nothing is stored and
// the customer retries.
func (s *Service) handOver(ctx context.Context, sv store.Survey, a workflows.SurveyAnswer) (store.SurveyAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, handOverTimeout)
	defer cancel()
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
