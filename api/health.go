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
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	report := healthReport{
		Status:     "ok",
		PostgreSQL: s.check(ctx, "postgresql", s.Store.Ping(ctx)),
		Temporal:   s.check(ctx, "temporal", pingTemporal(ctx, s.Temporal)),
	}
	status := http.StatusOK
	if report.PostgreSQL != "ok" || report.Temporal != "ok" {
		report.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, status, report)
	return nil
}

func pingTemporal(ctx context.Context, c client.Client) error {
	_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

func (s *server) check(ctx context.Context, dependency string, err error) string {
	if err != nil {
		s.Log.WarnContext(ctx, "health check failed", slog.String("dependency", dependency), slog.Any("error", err))
		return "unavailable"
	}
	return "ok"
}
