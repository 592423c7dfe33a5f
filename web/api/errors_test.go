//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONEndpointsRejectOtherContentTypes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, contentType := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		t.Run(contentType, func(t *testing.T) {
			rec := a.do(http.MethodPost, "/v1/interactions/ended", `{"interaction_id":"INT-1","service":"S"}`,
				"Authorization", "Bearer "+apiToken, "Content-Type", contentType)

			e := requireError(t, rec, http.StatusUnsupportedMediaType)
			require.Equal(t, "unsupported_media_type", e.Code)
		})
	}
}

func TestJSONEndpointsAcceptJSONWithParameters(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rec := a.do(http.MethodPost, "/v1/dispositions", `{"scope":"case","name":"Escalated"}`,
		"Authorization", "Bearer "+apiToken, "Content-Type", "application/json; charset=utf-8")

	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
}

func TestBodiesOverOneMebibyteAreRejected(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	body := `{"interaction_id":"INT-1","service":"` + strings.Repeat("x", 1<<20) + `"}`

	e := requireError(t, a.call(http.MethodPost, "/v1/interactions/ended", body), http.StatusRequestEntityTooLarge)

	require.Equal(t, "body_too_large", e.Code)
}

func TestMalformedJSONIsRejected(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		name      string
		body      string
		code      string
		field     string
		inMessage string
	}{
		{"syntax error", "{\n  \"interaction_id\": \"INT-1\",\n  \"service\": }", "invalid_json", "", "line 3, column 14"},
		{"truncated", `{"interaction_id": "INT-1"`, "invalid_json", "", "unexpected end"},
		{"empty body", "", "invalid_json", "", "empty"},
		{"two values", `{"interaction_id":"INT-1","service":"S"} {}`, "invalid_json", "", "after the top-level value"},
		{"not an object", `[1]`, "invalid_json", "", "must be a JSON object, not array"},
		{"unknown field", `{"interaction_id":"INT-1","service":"S","dispositon":"Spam"}`, "unknown_field", "dispositon", "unknown field"}, //nolint:misspell // a misspelt field is the point
		{"wrong type", `{"interaction_id":"INT-1","service":"S","average_sentiment":"high"}`, "invalid_field", "average_sentiment", "expected a number"},
		{"wrong nested type", `{"interaction_id":"INT-1","service":"S","case":{"final":"no"}}`, "invalid_field", "case.final", "expected true or false"},
		{"names differing only in case", `{"interaction_id":"INT-1","service":"S","Service":"T"}`, "unknown_field", "Service", "Service: unknown field"},
		{"a name in the wrong case", `{"interaction_id":"INT-1","Service":"S"}`, "unknown_field", "Service", "unknown field"},
		{"a nested name in the wrong case", `{"interaction_id":"INT-1","service":"S","customer":{"Email":"a@example.com"}}`,
			"unknown_field", "customer.Email", "customer.Email: unknown field"},
		{"a name given twice", `{"interaction_id":"INT-1","service":"S","service":"T"}`, "invalid_field", "service", "service: is given twice"},
		{"a variable given twice", `{"interaction_id":"INT-1","service":"S","variables":{"a":1,"a":2}}`, "invalid_field", "variables.a", "is given twice"},
		{"text that is not UTF-8", "{\"interaction_id\":\"INT-1\",\"service\":\"S\xff\"}", "invalid_field", "service", "service: is not valid UTF-8 text"},
		{"an unpaired surrogate", `{"interaction_id":"INT-1","service":"S\ud800"}`, "invalid_field", "service", "unpaired UTF-16 surrogate"},
		{"a time that is not RFC 3339", `{"interaction_id":"INT-1","service":"S","ended_at":"yesterday"}`, "invalid_field", "ended_at",
			"ended_at: expected an RFC 3339 time such as 2026-11-23T10:15:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := requireError(t, a.call(http.MethodPost, "/v1/interactions/ended", tt.body), http.StatusBadRequest)

			require.Equal(t, tt.code, e.Code)
			require.Equal(t, tt.field, e.Field)
			require.Contains(t, e.Message, tt.inMessage)
		})
	}
}
