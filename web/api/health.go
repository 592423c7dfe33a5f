package api

import (
	"net/http"

	"github.com/ccflow/ccflow/web/health"
)

// readyChecks name the starter's dependencies in the /readyz body.
var readyChecks = []health.Check{{Name: "postgresql"}, {Name: "temporal"}}

// ready answers GET /readyz (and /healthz): whether PostgreSQL and Temporal
// answer, "ok" or "unavailable" each; the reasons go to the log, not to
// this unauthenticated page.
func (s *server) ready(w http.ResponseWriter, r *http.Request) error {
	h := s.Service.Health(r.Context())
	status, body := health.Report(r.Context(), s.Log, readyChecks, []error{h.PostgreSQL, h.Temporal})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
	return nil
}
