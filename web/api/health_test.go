//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHealthzWhenEverythingAnswers(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rec := a.do(http.MethodGet, "/healthz", "") // no token needed

	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"status": "ok", "postgresql": "ok", "temporal": "ok"}`, rec.Body.String())
}

func TestHealthzWhenTemporalIsDown(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, unreachableTemporal(t))

	rec := a.do(http.MethodGet, "/healthz", "")

	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.JSONEq(t, `{"status": "unavailable", "postgresql": "ok", "temporal": "unavailable"}`, rec.Body.String())
}
