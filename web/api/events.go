package api

import (
	"net/http"
	"strings"

	"github.com/ccflow/ccflow/usecase"
)

// eventBody is the optional body of an event post: {"data": {…}}.
type eventBody struct {
	Data map[string]any `json:"data"`
}

// postWorkflowEvent delivers an event to one run's wait_for_event.
func (s *server) postWorkflowEvent(w http.ResponseWriter, r *http.Request) error {
	return s.postEvent(w, r, usecase.EventTarget{Scope: usecase.EventForWorkflow, ID: workflowID(r)})
}

// postInteractionEvent delivers an event to every run of an interaction.
func (s *server) postInteractionEvent(w http.ResponseWriter, r *http.Request) error {
	return s.postEvent(w, r, usecase.EventTarget{Scope: usecase.EventForInteraction, ID: r.PathValue("interaction_id")})
}

// postCaseEvent delivers an event to every run of a case.
func (s *server) postCaseEvent(w http.ResponseWriter, r *http.Request) error {
	return s.postEvent(w, r, usecase.EventTarget{Scope: usecase.EventForCase, ID: r.PathValue("case_id")})
}

// postEvent decodes an event post (its body is optional), hands it to the
// use case and answers which runs took it; a post repeated under its
// Idempotency-Key answers the same, with Idempotent-Replayed: true.
func (s *server) postEvent(w http.ResponseWriter, r *http.Request, target usecase.EventTarget) error {
	var body eventBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body); err != nil {
			return err
		}
	}
	posted, err := s.Service.PostEvent(r.Context(), target, usecase.EventRequest{
		Name: r.PathValue("name"), Data: body.Data, IdempotencyKey: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		return err
	}
	if posted.Repeated {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusOK, posted)
	return nil
}

// Patterns workflowPost answers for, as metrics and traces name them.
const (
	patternCancelTwoSegments = "POST /v1/workflows/{entry}/{interaction}/cancel"
	patternPostEventEscaped  = "POST /v1/workflows/{id}/events/{name}"
)

// workflowPost answers POST /v1/workflows/{a}/{b}/{c}: an event posted to
// a workflow whose ID is escaped in one segment ({id}/events/{name}), or
// a cancel of one given as two ({entry}/{interaction}/cancel). A ccflow
// workflow ID always holds a "/", so a first segment with one is an
// escaped ID; otherwise "cancel" at the end is a cancel, and "events" in
// the middle an event for a workflow no run has.
func (s *server) workflowPost(w http.ResponseWriter, r *http.Request) error {
	first, second, third := r.PathValue("first"), r.PathValue("second"), r.PathValue("third")
	switch {
	case second == "events" && (strings.Contains(first, "/") || third != "cancel"):
		r.Pattern = patternPostEventEscaped
		r.SetPathValue("id", first)
		r.SetPathValue("name", third)
		return s.postWorkflowEvent(w, r)
	case third == "cancel":
		r.Pattern = patternCancelTwoSegments
		r.SetPathValue("entry", first)
		r.SetPathValue("interaction", second)
		return s.cancelWorkflow(w, r)
	}
	return errNotFound("endpoint " + r.URL.Path)
}
