package api

import (
	"log/slog"
	"net/http"
)

// healthReport is the body of GET /healthz: "ok" or "unavailable" per
// dependency. The reasons go to the log, not to this unauthenticated page.
type healthReport struct {
	Status     string `json:"status"`
	PostgreSQL string `json:"postgresql"`
	Temporal   string `json:"temporal"`
}

func (s *server) health(w http.ResponseWriter, r *http.Request) error {
	h := s.Service.Health(r.Context())
	report := healthReport{
		Status:     "ok",
		PostgreSQL: s.healthOf(r, "postgresql", h.PostgreSQL),
		Temporal:   s.healthOf(r, "temporal", h.Temporal),
	}
	status := http.StatusOK
	if !h.OK() {
		report.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, status, report)
	return nil
}

// healthOf words one dependency's check for the report and logs why it
// failed.
func (s *server) healthOf(r *http.Request, dependency string, err error) string {
	if err != nil {
		s.Log.WarnContext(r.Context(), "health check failed", slog.String("dependency", dependency), slog.Any("error", err))
		return "unavailable"
	}
	return "ok"
}
