package api

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/usecase"
)

// The contact policy's endpoints: opt-outs, the policy document, the
// one-click unsubscribe page, and Twilio's webhooks (twilio.go).

// suppressionAnswer is the body of a created or existing opt-out.
type suppressionAnswer struct {
	usecase.Suppression
	Created bool `json:"created"`
}

// listSuppressions is GET /v1/suppressions?channel=&address=.
func (s *server) listSuppressions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := s.Service.Suppressions(r.Context(), q.Get("channel"), q.Get("address"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"suppressions": list})
	return nil
}

// addSuppression is POST /v1/suppressions: 201 for a new opt-out, 200 for
// one that existed.
func (s *server) addSuppression(w http.ResponseWriter, r *http.Request) error {
	var req usecase.SuppressionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sup, created, err := s.Service.AddSuppression(r.Context(), req, usecase.SuppressionFromAPI)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, suppressionAnswer{Suppression: sup, Created: created})
	return nil
}

// removeSuppression is DELETE /v1/suppressions/{channel}/{address}.
func (s *server) removeSuppression(w http.ResponseWriter, r *http.Request) error {
	if err := s.Service.RemoveSuppression(r.Context(), r.PathValue("channel"), r.PathValue("address")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getPolicy is GET /v1/policy.
func (s *server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Service.Policy(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// putPolicy is PUT /v1/policy: the whole document, checked strictly.
func (s *server) putPolicy(w http.ResponseWriter, r *http.Request) error {
	data, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	p, err := s.Service.SavePolicy(r.Context(), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// unsubscribePage is what unsubscribe.html shows.
type unsubscribePage struct {
	Page
	Action string
	What   string
}

// unsubscribeHints are the language and service a link of an email names
// (?lang=&service=, see activities' pageLink): they choose the page's
// words and brand among the contact center's own, nothing else.
func (s *server) unsubscribeHints(r *http.Request) Page {
	q := r.URL.Query()
	lang := q.Get("lang")
	if _, err := i18n.Parse(lang); err != nil {
		lang = ""
	}
	service := q.Get("service")
	if len(service) > 200 {
		service = ""
	}
	return s.pageFor(r, lang, service)
}

// showUnsubscribe is GET /u/{token}: a page with one button. It changes
// nothing, since mail scanners open every link.
func (s *server) showUnsubscribe(w http.ResponseWriter, r *http.Request) {
	p := s.unsubscribeHints(r)
	channel, err := s.Service.CheckUnsubscribeLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.unsubscribeError(w, r, p, err)
		return
	}
	p.Title = p.T("unsubscribe.title")
	action := "/u/" + url.PathEscape(r.PathValue("token"))
	if r.URL.RawQuery != "" {
		action += "?" + r.URL.Query().Encode() // the thanks page keeps the language and brand
	}
	s.pages.render(w, r, http.StatusOK, "unsubscribe.html",
		unsubscribePage{Page: p, Action: action, What: p.T("unsubscribe.what." + channel)})
}

// unsubscribe is POST /u/{token}: the opt-out itself, at once, for the
// page's button and for mail clients' one-click (RFC 8058) alike.
func (s *server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	p := s.unsubscribeHints(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	channel, err := s.Service.Unsubscribe(r.Context(), r.PathValue("token"))
	if err != nil {
		s.unsubscribeError(w, r, p, err)
		return
	}
	s.pages.message(w, r, http.StatusOK, p, "unsubscribe.done.title", "unsubscribe.done."+channel)
}

func (s *server) unsubscribeError(w http.ResponseWriter, r *http.Request, p Page, err error) {
	if errors.Is(err, usecase.ErrInvalidUnsubscribeLink) {
		s.pages.message(w, r, http.StatusNotFound, p, "unsubscribe.invalid.title", "unsubscribe.invalid.body")
		return
	}
	s.Log.ErrorContext(r.Context(), "unsubscribe request failed", "method", r.Method, "error", err)
	s.pages.message(w, r, toError(err).Status, p, "error.title", "error.retry")
}
