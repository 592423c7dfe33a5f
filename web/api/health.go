package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
)

// healthTimeout bounds each dependency check so a hung dependency answers
// 503 rather than hanging the prober.
const healthTimeout = 3 * time.Second

// healthReport is the body of GET /healthz: "ok" or "unavailable" per
// dependency. The reasons go to the log, not to this unauthenticated page.
type healthReport struct {
	Status     string `json:"status"`
	PostgreSQL string `json:"postgresql"`
	Temporal   string `json:"temporal"`
}

func (s *server) health(w http.ResponseWriter, r *http.Request) error {
	report := healthReport{
		Status:     "ok",
		PostgreSQL: s.check(r.Context(), "postgresql", s.Store.Ping),
		Temporal: s.check(r.Context(), "temporal", func(ctx context.Context) error {
			_, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}),
	}
	status := http.StatusOK
	if report.PostgreSQL != "ok" || report.Temporal != "ok" {
		report.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, status, report)
	return nil
}

// check runs one dependency's probe on a deadline of its own, so a hung
// PostgreSQL is never reported as Temporal's fault or the other way round.
func (s *server) check(ctx context.Context, dependency string, probe func(context.Context) error) string {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if err := probe(ctx); err != nil {
		s.Log.WarnContext(ctx, "health check failed", slog.String("dependency", dependency), slog.Any("error", err))
		return "unavailable"
	}
	return "ok"
}
