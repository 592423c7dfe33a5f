package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/usecase"
)

// twimlEmpty answers an inbound message without a reply: Twilio's own
// opt-out handling answers STOP and START.
const twimlEmpty = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// twilioForm reads a webhook's form and checks its X-Twilio-Signature
// against CCFLOW_PUBLIC_URL plus the request's path, keyed with
// TWILIO_AUTH_TOKEN: 403 when it does not match, or when no token is set.
func (s *server) twilioForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge, Message: "the form is too large"}
		}
		return &apiError{Status: http.StatusBadRequest, Code: codeInvalidJSON, Message: "the request body is not a form: " + err.Error()}
	}
	full := strings.TrimRight(s.PublicURL, "/") + r.URL.Path
	if r.URL.RawQuery != "" {
		full += "?" + r.URL.RawQuery
	}
	if s.TwilioAuthToken == "" || !twilio.ValidSignature(s.TwilioAuthToken, full, r.PostForm, r.Header.Get(twilio.SignatureHeader)) {
		s.Log.WarnContext(r.Context(), "Twilio webhook refused: signature does not match", "path", r.URL.Path,
			"auth_token_set", s.TwilioAuthToken != "")
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "X-Twilio-Signature does not match this request (signed with TWILIO_AUTH_TOKEN over CCFLOW_PUBLIC_URL and the path)"}
	}
	return nil
}

// IdempotencyHeader is the header Twilio puts the same token in on every
// retry of one webhook post.
const IdempotencyHeader = "I-Twilio-Idempotency-Token"

// twilioInbound is POST /webhooks/twilio/inbound: a message a customer
// texted; STOP and its kin opt them out of SMS, START and its kin back in,
// anything else is kept for an operator. A message is handled once by its
// MessageSid: Twilio posting it again, or a captured post replayed, gets
// the same empty answer and changes nothing.
func (s *server) twilioInbound(w http.ResponseWriter, r *http.Request) error {
	if err := s.twilioForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	if _, err := s.Service.InboundSMS(r.Context(), usecase.InboundSMSRequest{MessageSID: f.Get("MessageSid"),
		IdempotencyToken: r.Header.Get(IdempotencyHeader), From: f.Get("From"), To: f.Get("To"), Body: f.Get("Body")}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(twimlEmpty))
	return nil
}

// twilioStatus is POST /webhooks/twilio/status: a message's delivery
// status, recorded for GET /v1/workflows/{id}.
func (s *server) twilioStatus(w http.ResponseWriter, r *http.Request) error {
	if err := s.twilioForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	if err := s.Service.SMSStatus(r.Context(), f.Get("MessageSid"), f.Get("MessageStatus"), f.Get("ErrorCode")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
