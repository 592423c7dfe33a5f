// Package health answers the probes of the starter and the worker:
// /livez says the process runs (and which build it is), /readyz says
// whether the servers it needs answer. A liveness probe must not fail while
// PostgreSQL or Temporal is down, or the orchestrator would restart a
// process that is only waiting for them; that is what /readyz is for.
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/ccflow/ccflow/buildinfo"
)

// Timeout bounds each dependency check, so a hung dependency is reported
// rather than hanging the prober.
const Timeout = 3 * time.Second

// Check is one dependency of readiness.
type Check struct {
	// Name is its member in the /readyz body, such as "postgresql".
	Name string
	// Probe returns nil when the dependency answers.
	Probe func(context.Context) error
}

// Live is the body of GET /livez.
type Live struct {
	Status string `json:"status"`
	buildinfo.Info
}

// LiveHandler answers GET /livez: 200 with the build, always.
func LiveHandler(build buildinfo.Info) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, Live{Status: "ok", Info: build})
	})
}

// ReadyHandler answers GET /readyz (and /healthz): 200 when every check
// passes, else 503; the body says "ok" or "unavailable" per dependency.
// Why one failed goes to log, not to this unauthenticated page.
func ReadyHandler(log *slog.Logger, checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		results := make([]error, len(checks))
		for i, c := range checks {
			results[i] = run(r.Context(), c.Probe)
		}
		status, body := Report(r.Context(), log, checks, results)
		writeJSON(w, status, body)
	})
}

// Report words the results of checks (results[i] is checks[i]'s) as the
// /readyz body, {"status": …, "<name>": "ok" | "unavailable", …}, with its
// status code, logging why each failed check failed.
func Report(ctx context.Context, log *slog.Logger, checks []Check, results []error) (int, map[string]string) {
	body := map[string]string{"status": "ok"}
	status := http.StatusOK
	for i, c := range checks {
		body[c.Name] = "ok"
		if err := results[i]; err != nil {
			log.WarnContext(ctx, "health check failed", slog.String("dependency", c.Name), slog.Any("error", err))
			body[c.Name] = "unavailable"
			body["status"], status = "unavailable", http.StatusServiceUnavailable
		}
	}
	return status, body
}

func run(ctx context.Context, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return probe(ctx)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the prober went away; nothing left to tell it
}
