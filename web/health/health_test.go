package health_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/web/health"
)

func TestLiveAlwaysAnswersWithTheBuild(t *testing.T) {
	rec := httptest.NewRecorder()

	health.LiveHandler(buildinfo.Info{Version: "v1.2.3", Revision: "abc", GoVersion: "go1.26.8"}).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/livez", nil))

	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"status": "ok", "version": "v1.2.3", "revision": "abc", "go_version": "go1.26.8"}`, rec.Body.String())
}

func TestReadyNamesEachDependency(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }
	tests := []struct {
		name     string
		temporal func(context.Context) error
		status   int
		body     string
	}{
		{name: "all answer", temporal: ok, status: http.StatusOK,
			body: `{"status": "ok", "postgresql": "ok", "temporal": "ok"}`},
		{name: "Temporal is down", temporal: down, status: http.StatusServiceUnavailable,
			body: `{"status": "unavailable", "postgresql": "ok", "temporal": "unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h := health.ReadyHandler(slog.New(slog.DiscardHandler),
				health.Check{Name: "postgresql", Probe: ok}, health.Check{Name: "temporal", Probe: tt.temporal})

			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))

			require.Equal(t, tt.status, rec.Code)
			require.JSONEq(t, tt.body, rec.Body.String())
		})
	}
}
