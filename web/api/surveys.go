package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/workflows"
)

// maxFormBody bounds the survey form: a 2,000-character comment is at most
// 8 KiB of UTF-8, escaped thrice over.
const maxFormBody = 64 << 10

// answerStatus is the body of POST /v1/surveys/{token}/responses.
type answerStatus struct {
	// Status is "delivered" when the waiting workflow took the answer and
	// "late" when it had stopped waiting: the answer is kept all the same.
	Status string `json:"status"`
}

// surveyAnswerJSON is the JSON body a backend posts an answer with. The
// score is read as written, so a missing one (on 0-10, 0 is a score) and
// one that is not a whole number (4.5, "five") are refused naming it.
type surveyAnswerJSON struct {
	Score   jsontext.Value `json:"score"`
	Comment string         `json:"comment"`
}

// score reads the body's score: a JSON whole number.
func (b surveyAnswerJSON) score() (int, error) {
	raw := string(b.Score)
	if raw == "" || raw == "null" {
		return 0, errField("score", "is required")
	}
	n, err := strconv.Atoi(raw)
	if err != nil || strconv.Itoa(n) != raw {
		return 0, errField("score", "%s is not a whole number", validation.Shorten(raw))
	}
	return n, nil
}

// showSurvey is GET /s/{token}: the survey form.
func (s *server) showSurvey(w http.ResponseWriter, r *http.Request) {
	sv, err := s.Service.OpenSurvey(r.Context(), r.PathValue("token"))
	if err != nil {
		s.surveyError(w, r, err)
		return
	}
	s.pages.render(w, r, http.StatusOK, "survey.html",
		surveyPage{Action: surveyAction(r.PathValue("token")), Question: sv.Question, Scale: scale.Of(sv.Scale)})
}

// answerSurveyForm is POST /s/{token}: the form's answer. A rejected answer
// shows the form again with what the customer entered and why.
func (s *server) answerSurveyForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	// Opened first for the question, so a rejected answer shows the form
	// again; AnswerSurvey opens it once more, which costs one read.
	sv, err := s.Service.OpenSurvey(r.Context(), token)
	if err != nil {
		s.surveyError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.pages.message(w, r, http.StatusBadRequest, "Something went wrong", "Your answer could not be read. Please go back and try again.")
		return
	}
	on := scale.Of(sv.Scale)
	page := surveyPage{Action: surveyAction(token), Question: sv.Question, Scale: on, Comment: r.PostForm.Get("comment")}
	answer, err := formAnswer(r, on)
	if err == nil {
		page.Score = &answer.Score
		_, err = s.Service.AnswerSurvey(r.Context(), token, answer)
	}
	if err == nil {
		s.pages.message(w, r, http.StatusOK, "Thank you!", "Your answer has been recorded. We appreciate your feedback.")
		return
	}
	e := toError(err)
	switch {
	case e.Status == http.StatusBadRequest:
		e = customerMessage(e, on)
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
	score, err := body.score()
	if err != nil {
		return err
	}
	answered, err := s.Service.AnswerSurvey(r.Context(), r.PathValue("token"),
		workflows.SurveyAnswer{Score: score, Comment: body.Comment})
	if err != nil {
		return err
	}
	status := answerStatus{Status: "delivered"}
	if !answered.Delivered {
		status.Status = "late"
	}
	writeJSON(w, http.StatusOK, status)
	return nil
}

// formAnswer reads the survey form's fields, the score on the survey's
// scale.
func formAnswer(r *http.Request, on scale.Scale) (workflows.SurveyAnswer, error) {
	score, err := on.ParseScore("score", r.PostForm.Get("score"))
	if err != nil {
		return workflows.SurveyAnswer{}, err
	}
	return workflows.SurveyAnswer{Score: score, Comment: r.PostForm.Get("comment")}, nil
}

// customerMessage rewords a 400 for the customer reading the form.
func customerMessage(e *apiError, on scale.Scale) *apiError {
	msg := "Please check your answer and try again."
	switch e.Field {
	case "score":
		msg = "Please choose a rating " + on.Range() + "."
	case "comment":
		msg = fmt.Sprintf("Please keep your comment to %d characters or fewer.", workflows.MaxCommentLength)
		if !strings.Contains(e.Message, "longer than") {
			msg = "Please write your comment as plain text, without special control characters."
		}
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
