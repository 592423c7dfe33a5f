package apitest_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web/api/apitest"
)

// The contract must catch what it is there to catch; each case is one
// exchange as a handler might get it wrong.
func TestCheckFindsDeparturesFromTheDocument(t *testing.T) {
	c := apitest.Load(t)
	tests := []struct {
		name                  string
		method, target, body  string
		status                int
		contentType, response string
		wantErr               string
	}{
		{name: "a documented answer", method: "GET", target: "/readyz", status: 200, contentType: "application/json",
			response: `{"status": "ok", "postgresql": "ok", "temporal": "ok"}`},
		{name: "an undocumented field", method: "GET", target: "/readyz", status: 200, contentType: "application/json",
			response: `{"status": "ok", "postgresql": "ok", "temporal": "ok", "redis": "ok"}`, wantErr: "does not describe"},
		{name: "an undocumented status", method: "GET", target: "/livez", status: 500, contentType: "application/json",
			response: `{"error": {"code": "internal", "message": "internal error"}}`, wantErr: "does not describe"},
		{name: "an invalid request answered as if valid", method: "POST", target: "/v1/interactions/ended",
			body: `{"interaction_id": "INT-1", "service": "S", "color": "red"}`, status: 200, contentType: "application/json",
			response: `{"interaction_id": "INT-1", "matches": []}`, wantErr: "calls invalid"},
		{name: "an invalid request refused", method: "POST", target: "/v1/interactions/ended",
			body: `{"interaction_id": "INT-1", "service": "S", "color": "red"}`, status: 400, contentType: "application/json",
			response: `{"error": {"code": "unknown_field", "message": "color: unknown field", "field": "color"}}`},
		{name: "an unknown route answered 404 in the error shape", method: "GET", target: "/v1/nowhere", status: 404,
			contentType: "application/json", response: `{"error": {"code": "not_found", "message": "endpoint /v1/nowhere not found"}}`},
		{name: "an unknown route answered 200", method: "GET", target: "/v1/nowhere", status: 200,
			contentType: "application/json", response: `{}`, wantErr: "not in openapi.yaml"},
		{name: "an entry without its ETag", method: "GET", target: "/v1/entries/a", status: 200, contentType: "application/json",
			response: `{"id": "a", "name": "A", "enabled": true, "triggers": [], "steps": [], "version": 1}`, wantErr: "ETag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Type", tt.contentType)
			rec.WriteHeader(tt.status)
			rec.Body.WriteString(tt.response)

			err := c.Check(req, []byte(tt.body), rec.Result(), []byte(tt.response))

			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
		})
	}
}
