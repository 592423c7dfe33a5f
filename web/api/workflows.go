package api

import (
	"net/http"

	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// byAPI is who the run's state says acted when a request through the API
// names no one.
const byAPI = "api"

// workflowID is the workflow a request names, either escaped in one path
// segment or as entry and interaction segments.
func workflowID(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return id
	}
	return workflows.WorkflowID(r.PathValue("entry"), r.PathValue("interaction"))
}

// getWorkflow tells an operator where a run is (usecase.RunView).
func (s *server) getWorkflow(w http.ResponseWriter, r *http.Request) error {
	view, err := s.Service.Run(r.Context(), workflowID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// cancelWorkflow asks the run to stop. The body, {"by", "reason"}, is
// optional; without it the run says the API canceled it.
func (s *server) cancelWorkflow(w http.ResponseWriter, r *http.Request) error {
	req := usecase.CancelRequest{}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	req.Via = byAPI
	canceled, err := s.Service.CancelRun(r.Context(), workflowID(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, canceled)
	return nil
}

// clearEvent clears a scheduled event of a running workflow and says
// whether it was still pending.
func (s *server) clearEvent(w http.ResponseWriter, r *http.Request) error {
	cleared, err := s.Service.ClearEvent(r.Context(), workflowID(r), r.PathValue("name"), byAPI)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cleared)
	return nil
}
