package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// deliverTimeout bounds handing an answer to its workflow. Past it the
// answer is not stored and the customer is asked to try again.
const deliverTimeout = 10 * time.Second

// maxFormBody bounds the survey form: a 2,000-character comment is at most
// 8 KiB of UTF-8, escaped thrice over.
const maxFormBody = 64 << 10

// Answers to survey links that cannot be answered. A forged link, an
// unknown one and one of another customer all get errInvalidLink, so a
// link reveals nothing about any survey but its own.
var (
	errInvalidLink = &apiError{Status: http.StatusNotFound, Code: codeNotFound,
		Message: "This survey link is not valid. Please check that you opened the whole link from your message."}
	errAnswered = &apiError{Status: http.StatusConflict, Code: codeAlreadyAnswered,
		Message: "This survey has already been answered. Thank you!"}
	errClosed = &apiError{Status: http.StatusGone, Code: codeExpired,
		Message: "This survey has closed and no longer takes answers."}
)

// answerStatus is the body of POST /v1/surveys/{token}/responses.
type answerStatus struct {
	// Status is "delivered" when the waiting workflow took the answer and
	// "late" when it had stopped waiting: the answer is kept all the same.
	Status string `json:"status"`
}

// surveyAnswerJSON is the JSON body a backend posts an answer with.
type surveyAnswerJSON struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// showSurvey is GET /s/{token}: the survey form.
func (s *server) showSurvey(w http.ResponseWriter, r *http.Request) {
	sv, err := s.openSurvey(r.Context(), r.PathValue("token"))
	if err != nil {
		s.surveyError(w, r, err)
		return
	}
	s.pages.render(w, r, http.StatusOK, "survey.html",
		surveyPage{Action: surveyAction(r.PathValue("token")), Question: sv.Question})
}

// answerSurveyForm is POST /s/{token}: the form's answer. A rejected answer
// shows the form again with what the customer entered and why.
func (s *server) answerSurveyForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	sv, err := s.openSurvey(r.Context(), token)
	if err != nil {
		s.surveyError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.pages.message(w, r, http.StatusBadRequest, "Something went wrong", "Your answer could not be read. Please go back and try again.")
		return
	}
	page := surveyPage{Action: surveyAction(token), Question: sv.Question, Comment: r.PostForm.Get("comment")}
	answer, err := formAnswer(r)
	if err == nil {
		page.Score = answer.Score
		_, err = s.answer(r.Context(), sv, answer)
	}
	if err == nil {
		s.pages.message(w, r, http.StatusOK, "Thank you!", "Your answer has been recorded. We appreciate your feedback.")
		return
	}
	e := toError(err)
	switch {
	case e.Status == http.StatusBadRequest:
		e = customerMessage(e)
	case e.Status >= http.StatusInternalServerError:
		s.logFailure(r, err)
		e = &apiError{Status: e.Status, Message: "We could not record your answer just now. Please try again in a minute."}
	default:
		s.surveyError(w, r, err)
		return
	}
	page.Error = e
	s.pages.render(w, r, e.Status, "survey.html", page)
}

// answerSurveyJSON is POST /v1/surveys/{token}/responses, for backends
// that collect the answer themselves (IVR, chat).
func (s *server) answerSurveyJSON(w http.ResponseWriter, r *http.Request) error {
	var body surveyAnswerJSON
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	sv, err := s.openSurvey(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	answered, err := s.answer(r.Context(), sv, workflows.SurveyAnswer{Score: body.Score, Comment: body.Comment})
	if err != nil {
		return err
	}
	status := answerStatus{Status: "delivered"}
	if !answered.Answer.Delivered {
		status.Status = "late"
	}
	writeJSON(w, http.StatusOK, status)
	return nil
}

// openSurvey finds the survey a token opens, if it is still open.
func (s *server) openSurvey(ctx context.Context, token string) (store.Survey, error) {
	// The customer sees one page for every bad link; the log tells a
	// mangled link from a forged one (someone guessing) from an unknown one.
	tokenID, err := s.Signer.Verify(token)
	if err != nil {
		s.Log.InfoContext(ctx, "survey link refused", "reason", err.Error())
		return store.Survey{}, errInvalidLink
	}
	sv, err := s.Store.SurveyByToken(ctx, tokenID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.Log.InfoContext(ctx, "survey link refused", "reason", "no survey has this token")
		return store.Survey{}, errInvalidLink
	case err != nil:
		return store.Survey{}, err
	case sv.Answer != nil:
		return store.Survey{}, errAnswered
	case time.Now().After(sv.ExpiresAt):
		return store.Survey{}, errClosed
	}
	return sv, nil
}

// answer checks, stores and delivers an answer to sv.
func (s *server) answer(ctx context.Context, sv store.Survey, a workflows.SurveyAnswer) (store.Survey, error) {
	a.SurveyID = sv.ID
	if err := a.Check(); err != nil {
		return store.Survey{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, deliverTimeout)
	defer cancel()
	answered, err := s.Store.AnswerSurvey(ctx, sv.ID, s.deliverer(a))
	switch {
	case errors.Is(err, store.ErrAlreadyAnswered):
		return store.Survey{}, errAnswered
	case errors.Is(err, store.ErrExpired):
		return store.Survey{}, errClosed
	case err != nil:
		return store.Survey{}, err
	}
	return answered, nil
}

// deliverer hands a to the workflow waiting on its survey and says what to
// record: when an earlier attempt timed out here but the run took its
// answer all the same, this attempt gets that answer back (see
// workflows.SendSurveyAnswer) and records it, not a second one.
// A run that has stopped waiting (its validator says the survey is not
// pending) or has ended is not an error: the answer is kept as a late one.
// Temporal being unreachable is, so that nothing is stored and the
// customer retries.
func (s *server) deliverer(a workflows.SurveyAnswer) func(context.Context, store.Survey) (store.SurveyAnswer, error) {
	return func(ctx context.Context, sv store.Survey) (store.SurveyAnswer, error) {
		accepted, err := usecase.SendSurveyAnswer(ctx, s.Temporal, sv.WorkflowID, a)
		var (
			rejected *temporal.ApplicationError
			notFound *serviceerror.NotFound
		)
		switch {
		case err == nil:
			return store.SurveyAnswer{Score: accepted.Score, Comment: accepted.Comment, Delivered: true}, nil
		case errors.As(err, &rejected) && rejected.Type() == workflows.ErrSurveyNotPending, errors.As(err, &notFound):
			s.Log.InfoContext(ctx, "survey answer arrived after the run stopped waiting",
				"survey_id", sv.ID, "workflow_id", sv.WorkflowID, "reason", err.Error())
			return store.SurveyAnswer{Score: a.Score, Comment: a.Comment}, nil
		}
		return store.SurveyAnswer{}, fmt.Errorf("updating workflow %s with the answer to survey %s: %w", sv.WorkflowID, sv.ID, err)
	}
}

// formAnswer reads the survey form's fields.
func formAnswer(r *http.Request) (workflows.SurveyAnswer, error) {
	raw := strings.TrimSpace(r.PostForm.Get("score"))
	score, err := strconv.Atoi(raw)
	if err != nil {
		return workflows.SurveyAnswer{}, errField("score", "%q is not a whole number from 1 to 5", raw)
	}
	return workflows.SurveyAnswer{Score: score, Comment: r.PostForm.Get("comment")}, nil
}

// customerMessage rewords a 400 for the customer reading the form.
func customerMessage(e *apiError) *apiError {
	msg := "Please check your answer and try again."
	switch e.Field {
	case "score":
		msg = "Please choose a rating from 1 to 5."
	case "comment":
		msg = fmt.Sprintf("Please keep your comment to %d characters or fewer.", workflows.MaxCommentLength)
	}
	return &apiError{Status: e.Status, Code: e.Code, Field: e.Field, Message: msg}
}

// surveyError shows the message page for a link that cannot be answered.
func (s *server) surveyError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	switch e {
	case errInvalidLink:
		s.pages.message(w, r, e.Status, "This survey link is not valid", e.Message)
	case errAnswered:
		s.pages.message(w, r, e.Status, "Already answered", e.Message)
	case errClosed:
		s.pages.message(w, r, e.Status, "This survey has closed", e.Message)
	default:
		s.logFailure(r, err)
		s.pages.message(w, r, e.Status, "Something went wrong", "Please try again in a minute.")
	}
}

func (s *server) logFailure(r *http.Request, err error) {
	s.Log.ErrorContext(r.Context(), "survey request failed", "method", r.Method, "error", err)
}
