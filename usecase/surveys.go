package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// handOverTimeout bounds handing an answer to its run. Past it nothing is
// stored and the customer is asked to try again.
const handOverTimeout = 10 * time.Second

// recordTimeout bounds storing an answer the run has taken, which outlives
// the caller's deadline (see AnswerSurvey).
const recordTimeout = 10 * time.Second

// finishTimeout bounds how long the starter keeps handing over an answer
// whose caller was told to try again (see finishHandOver): a run minutes
// behind its workflow tasks takes it when it gets to it.
const finishTimeout = 15 * time.Minute

// maxFinishing bounds the answers the starter finishes handing over at
// once; past it the caller's own retry is the only one.
const maxFinishing = 256

// Survey is a survey as its page shows it to the customer.
type Survey struct {
	// Question is the step's question, rendered for this customer.
	Question string
	// Channel is how its link was sent: email or sms.
	Channel string
	// Language is its run's language, which the page speaks, and Service
	// its run's service, whose brand the page shows; "" for surveys opened
	// before runs chose a language.
	Language string
	Service  string
	// Scale is its rating scale: "1-5" or "0-10" ("" for surveys opened
	// before surveys kept it: 1-5).
	Scale string
}

// OpenSurvey finds the survey a link's token opens, if it still takes an
// answer: ErrInvalidLink for a forged, mangled or unknown token, ErrAnswered
// and ErrClosed for one answered or expired, which come with the survey,
// so that the page saying so speaks its run's language.
func (s *Service) OpenSurvey(ctx context.Context, token string) (Survey, error) {
	sv, err := s.openSurvey(ctx, token)
	return surveyOf(sv), err
}

// surveyOf is the survey sv as its page shows it.
func surveyOf(sv store.Survey) Survey {
	return Survey{Question: sv.Question, Channel: sv.Channel, Language: sv.Language, Service: sv.Service, Scale: sv.Scale}
}

// openSurvey is OpenSurvey with the survey as the store keeps it.
func (s *Service) openSurvey(ctx context.Context, token string) (store.Survey, error) {
	// The customer is told the same for every bad link; the log tells a
	// mangled link from a forged one (someone guessing) from an unknown one.
	tokenID, err := s.surveyLinks().Verify(token)
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
		return sv, fmt.Errorf("survey %q: %w", sv.ID, ErrAnswered)
	case time.Now().After(sv.ExpiresAt):
		return sv, fmt.Errorf("survey %q (expired %s): %w", sv.ID, sv.ExpiresAt.UTC().Format(time.RFC3339), ErrClosed)
	}
	return sv, nil
}

// AnswerSurvey takes a customer's answer to the survey token opens: it
// hands the answer to the run waiting on the survey, then stores what the
// run took, and returns the stored answer. Late is true for an answer the
// run was no longer waiting for (or of a run that is gone): it is kept all
// the same and shown to operators.
//
// The answer flows one way, and no database connection or lock is held
// while Temporal is called:
//
//  1. read the survey (openSurvey): a link answered or expired is refused
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
// When the run cannot be reached in time (ErrUnavailable) nothing is
// stored yet and the customer can try again; meanwhile the starter keeps
// handing the answer over (finishHandOver) and stores what the run does
// with it, so an answer the run takes after the customer gave up is
// stored all the same. A score or comment out of bounds is a
// validation error naming the field.
func (s *Service) AnswerSurvey(ctx context.Context, token string, a workflows.SurveyAnswer) (AnswerView, error) {
	stored, err := s.answerSurvey(ctx, token, a)
	if err != nil {
		return AnswerView{}, err
	}
	return answerViewOf(stored), nil
}

// answerSurvey is AnswerSurvey with the answer as the store keeps it.
func (s *Service) answerSurvey(ctx context.Context, token string, a workflows.SurveyAnswer) (store.SurveyAnswer, error) {
	sv, err := s.openSurvey(ctx, token)
	if err != nil {
		return store.SurveyAnswer{}, err
	}
	a.SurveyID = sv.ID
	if err := a.Check(scale.Of(sv.Scale)); err != nil {
		return store.SurveyAnswer{}, err
	}
	taken, err := s.handOver(ctx, sv, a)
	if err != nil {
		// The update may be waiting for the run (a run minutes behind):
		// it is finished here, so that an answer the run takes after the
		// customer gave up is stored all the same.
		s.finishHandOver(ctx, sv, a, err)
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

// finishHandOver keeps handing a over in the background after the caller's
// hand-over failed without an answer from the run (it timed out, or
// Temporal could not be reached), then stores what the run did with it, as
// AnswerSurvey would have. Temporal keeps an update it admitted until the
// run gets to it, which can be minutes when the run is behind (a worker
// crashed and its workflow tasks wait behind the others'); without this,
// an answer the run took after every request for it had timed out, with a
// customer who gave up, would be in the run and never in the store. The
// update ID is the survey's, so this and any retry of the customer's reach
// the run once and store the same answer. A starter that stops meanwhile
// leaves it to the customer's retry.
func (s *Service) finishHandOver(ctx context.Context, sv store.Survey, a workflows.SurveyAnswer, handOverErr error) {
	s.finishLater(ctx, sv.ID, handOverErr, "the customer's retry", func(bg context.Context) {
		taken, err := SendSurveyAnswer(bg, s.Temporal, sv.WorkflowID, a)
		var (
			rejected *temporal.ApplicationError
			notFound *serviceerror.NotFound
		)
		var answer store.SurveyAnswer
		switch {
		case err == nil:
			answer = store.SurveyAnswer{Score: taken.Score, Comment: taken.Comment, Delivered: true}
		case errors.As(err, &rejected) && rejected.Type() == workflows.ErrSurveyNotPending, errors.As(err, &notFound):
			answer = store.SurveyAnswer{Score: a.Score, Comment: a.Comment}
		default:
			s.logger().WarnContext(bg, "gave up handing a survey answer to its run", "survey_id", sv.ID, "error", err)
			return
		}
		recordCtx, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancelRecord()
		if _, _, err := s.Store.RecordSurveyAnswer(recordCtx, sv.ID, answer); err != nil {
			s.logger().ErrorContext(bg, "storing a survey answer its run took after the caller gave up", "survey_id", sv.ID, "error", err)
			return
		}
		s.logger().InfoContext(bg, "stored a survey answer whose caller had given up", "survey_id", sv.ID, "delivered", answer.Delivered)
	})
}

// finishLater runs work in the background, with finishTimeout, after a
// hand-over of an answer to survey surveyID failed without an answer from
// the run: unless the run refused it (no retry changes that), and at most
// maxFinishing at once (past that, the answer is left to retry, the
// caller's own that the log names).
func (s *Service) finishLater(ctx context.Context, surveyID string, handOverErr error, retry string, work func(bg context.Context)) {
	var refused *temporal.ApplicationError
	if errors.As(handOverErr, &refused) {
		return
	}
	select {
	case s.finishing() <- struct{}{}:
	default:
		s.logger().WarnContext(ctx, "too many survey answers waiting for their runs; leaving this one to "+retry, "survey_id", surveyID)
		return
	}
	go func() {
		defer func() { <-s.finishing() }()
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
		work(bg)
	}()
}

// finishing is the semaphore of finishLater.
func (s *Service) finishing() chan struct{} {
	s.bg.finishOnce.Do(func() { s.bg.finish = make(chan struct{}, maxFinishing) })
	return s.bg.finish
}
