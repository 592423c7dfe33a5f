package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/ccflow/ccflow/core/rating"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"

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

// showSurvey is GET /s/{token}: the survey form, in the run's language
// and brand. A link of the email's rating buttons (?score=N) opens it with
// that score chosen and the comment box ready; it records nothing, as no
// GET does (mail scanners open every link of a message): the answer is
// the form's POST. A score that is not on the scale shows the form with
// none chosen, saying why (400).
func (s *server) showSurvey(w http.ResponseWriter, r *http.Request) {
	sv, err := s.Service.OpenSurvey(r.Context(), r.PathValue("token"))
	if err != nil {
		s.surveyError(w, r, sv, err)
		return
	}
	page := s.surveyPage(r, sv)
	score, chosen, err := rating.ParseScore(r.URL.Query(), page.Scale)
	if err != nil {
		page.Error = customerMessage(toError(err), page.Page, page.Scale)
		s.pages.render(w, r, http.StatusBadRequest, "survey.html", page)
		return
	}
	page.Score, page.Picked, page.Chosen = score, chosen, chosen
	s.pages.render(w, r, http.StatusOK, "survey.html", page)
}

// surveyPage is the form of survey sv, in its run's language (else the
// browser's) and the brand of its run's service.
func (s *server) surveyPage(r *http.Request, sv usecase.Survey) surveyPage {
	p := Page{Words: languageOf(r, sv.Language), Brand: s.Service.BrandFor(r.Context(), sv.Service)}
	p.Title = p.T("survey.title")
	return surveyPage{Page: p, Action: surveyAction(r.PathValue("token")), Question: sv.Question, Scale: surveyScale(sv)}
}

// surveyScale is the scale of sv's rating, as its step named it (1-5 for
// surveys opened before surveys recorded it).
func surveyScale(sv usecase.Survey) scale.Scale { return scale.Of(sv.Scale) }

// pageFor is the page of a request that names no survey (a link that is
// not valid): the browser's language and the default brand.
func (s *server) pageFor(r *http.Request, lang, service string) Page {
	return Page{Words: languageOf(r, lang), Brand: s.Service.BrandFor(r.Context(), service)}
}

// answerSurveyForm is POST /s/{token}: the form's answer. A rejected answer
// shows the form again with what the customer entered and why.
func (s *server) answerSurveyForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	// Opened first for the question, so a rejected answer shows the form
	// again; AnswerSurvey opens it once more, which costs one read.
	sv, err := s.Service.OpenSurvey(r.Context(), token)
	if err != nil {
		s.surveyError(w, r, sv, err)
		return
	}
	page := s.surveyPage(r, sv)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.pages.message(w, r, http.StatusBadRequest, page.Page, "error.title", "survey.error.unreadable")
		return
	}
	page.Comment = r.PostForm.Get("comment")
	answer, err := formAnswer(r, page.Scale)
	if err == nil {
		page.Score, page.Picked = answer.Score, true
		_, err = s.Service.AnswerSurvey(r.Context(), token, answer)
	}
	if err == nil {
		s.pages.message(w, r, http.StatusOK, page.Page, "survey.thanks.title", "survey.thanks.body")
		return
	}
	e := toError(err)
	switch {
	case e.Status == http.StatusBadRequest:
		e = customerMessage(e, page.Page, page.Scale)
	case e.Status >= http.StatusInternalServerError:
		s.logFailure(r, err)
		e = &apiError{Status: e.Status, Message: page.T("survey.error.unavailable")}
	default:
		s.surveyError(w, r, sv, err)
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
	if answered.Late {
		status.Status = "late"
	}
	writeJSON(w, http.StatusOK, status)
	return nil
}

// formAnswer reads the survey form's fields: a score that is not a whole
// number on the scale ("4.5", "five") is a validation error naming it.
func formAnswer(r *http.Request, on scale.Scale) (workflows.SurveyAnswer, error) {
	score, err := on.ParseScore("score", r.PostForm.Get("score"))
	if err != nil {
		return workflows.SurveyAnswer{}, err
	}
	return workflows.SurveyAnswer{Score: score, Comment: r.PostForm.Get("comment")}, nil
}

// customerMessage rewords a 400 for the customer reading the form, in the
// page's words.
func customerMessage(e *apiError, p Page, on scale.Scale) *apiError {
	msg := p.T("survey.error.check")
	switch e.Field {
	case "score":
		msg = p.T("survey.error.score", on.Min(), on.Max())
	case "comment":
		msg = p.T("survey.error.comment_long", workflows.MaxCommentLength)
		if !strings.Contains(e.Message, "longer than") {
			msg = p.T("survey.error.comment_control")
		}
	}
	return &apiError{Status: e.Status, Code: e.Code, Field: e.Field, Message: msg}
}

// surveyError shows the message page for a link that cannot be answered:
// in the run's language and brand when the survey is known (answered,
// closed), else the browser's language and the default brand.
func (s *server) surveyError(w http.ResponseWriter, r *http.Request, sv usecase.Survey, err error) {
	e := toError(err)
	p := s.pageFor(r, sv.Language, sv.Service)
	switch e {
	case errInvalidLink:
		s.pages.message(w, r, e.Status, p, "survey.invalid.title", "survey.invalid.body")
	case errAnswered:
		s.pages.message(w, r, e.Status, p, "survey.answered.title", "survey.answered.body")
	case errClosed:
		s.pages.message(w, r, e.Status, p, "survey.closed.title", "survey.closed.body")
	default:
		s.logFailure(r, err)
		s.pages.message(w, r, e.Status, p, "error.title", "error.retry")
	}
}

func (s *server) logFailure(r *http.Request, err error) {
	s.Log.ErrorContext(r.Context(), "survey request failed", "method", r.Method, "error", err)
}
