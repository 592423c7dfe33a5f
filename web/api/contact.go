package api

import (
	"errors"
	"net/http"
	"net/url"

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
	Action string
	What   string
}

var unsubscribeWhat = map[string]string{
	"email": "Tap the button to stop getting these emails. You will not need to confirm or sign in.",
	"sms":   "Tap the button to stop getting these text messages. You will not need to confirm or sign in.",
}

// showUnsubscribe is GET /u/{token}: a page with one button. It changes
// nothing, since mail scanners open every link.
func (s *server) showUnsubscribe(w http.ResponseWriter, r *http.Request) {
	channel, err := s.Service.CheckUnsubscribeLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.unsubscribeError(w, r, err)
		return
	}
	s.pages.render(w, r, http.StatusOK, "unsubscribe.html",
		unsubscribePage{Action: "/u/" + url.PathEscape(r.PathValue("token")), What: unsubscribeWhat[channel]})
}

// unsubscribe is POST /u/{token}: the opt-out itself, at once, for the
// page's button and for mail clients' one-click (RFC 8058) alike.
func (s *server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	channel, err := s.Service.Unsubscribe(r.Context(), r.PathValue("token"))
	if err != nil {
		s.unsubscribeError(w, r, err)
		return
	}
	what := map[string]string{"email": "emails at this address", "sms": "text messages to this number"}[channel]
	s.pages.message(w, r, http.StatusOK, "You are unsubscribed", "You will get no more "+what+" from us.")
}

func (s *server) unsubscribeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, usecase.ErrInvalidUnsubscribeLink) {
		s.pages.message(w, r, http.StatusNotFound, "This unsubscribe link is not valid",
			"Please check that you opened the whole link from your message.")
		return
	}
	s.Log.ErrorContext(r.Context(), "unsubscribe request failed", "method", r.Method, "error", err)
	s.pages.message(w, r, toError(err).Status, "Something went wrong", "Please try again in a minute.")
}
