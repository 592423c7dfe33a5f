//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestV1RequiresTheBearerToken(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		name   string
		header []string
	}{
		{"no Authorization header", nil},
		{"wrong token", []string{"Authorization", "Bearer not-the-token"}},
		{"token without the Bearer scheme", []string{"Authorization", apiToken}},
		{"other scheme", []string{"Authorization", "Basic " + apiToken}},
		{"token with a suffix", []string{"Authorization", "Bearer " + apiToken + "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, target := range []string{"/v1/entries", "/v1/dispositions", "/v1/workflows/a%2Fb", "/v1/no-such-endpoint"} {
				rec := a.do(http.MethodGet, target, "", tt.header...)

				e := requireError(t, rec, http.StatusUnauthorized)
				require.Equal(t, "unauthorized", e.Code)
				require.Equal(t, `Bearer realm="ccflow"`, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func TestV1AcceptsTheBearerToken(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rec := a.do(http.MethodGet, "/v1/entries", "", "Authorization", "Bearer "+apiToken)

	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func TestUnroutedV1RequestsAnswerTheErrorShape(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		method, target string
		status         int
		allow          string
	}{
		{http.MethodGet, "/v1/nothing-here", http.StatusNotFound, ""},
		{http.MethodDelete, "/v1/dispositions", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodPatch, "/v1/entries/post-call-survey", http.StatusMethodNotAllowed, "GET, PUT, DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rec := a.call(tt.method, tt.target, nil)

			requireError(t, rec, tt.status)
			require.Equal(t, tt.allow, rec.Header().Get("Allow"))
		})
	}
}
