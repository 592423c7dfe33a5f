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

type webhookBody struct {
	ID                      string   `json:"id"`
	URL                     string   `json:"url"`
	Events                  []string `json:"events"`
	Enabled                 bool     `json:"enabled"`
	Secret                  string   `json:"secret"`
	PreviousSecretExpiresAt *string  `json:"previous_secret_expires_at"`
}

// The subscriptions' endpoints, every exchange checked against
// openapi.yaml: the secret comes in the creation's and the rotation's
// answers only.
func TestWebhooksAreSubscribedListedRotatedAndDeleted(t *testing.T) {
	a := newTestAPI(t)
	body := map[string]any{"url": "https://93.184.215.14/hooks/ccflow", "events": []string{"optout.created", "survey.answered"},
		"description": "CRM"}

	rec := a.call(http.MethodPost, "/v1/webhooks", body)
	created := decode[webhookBody](t, rec, http.StatusCreated)
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.True(t, strings.HasPrefix(created.Secret, "whsec_"))
	require.Equal(t, []string{"optout.created", "survey.answered"}, created.Events)

	list := a.call(http.MethodGet, "/v1/webhooks", nil)
	require.Equal(t, http.StatusOK, list.Code)
	require.NotContains(t, list.Body.String(), "whsec_")
	require.Contains(t, list.Body.String(), created.ID)
	got := decode[webhookBody](t, a.call(http.MethodGet, "/v1/webhooks/"+created.ID, nil), http.StatusOK)
	require.Empty(t, got.Secret)

	rotated := decode[webhookBody](t, a.call(http.MethodPost, "/v1/webhooks/"+created.ID+"/rotate-secret", nil), http.StatusOK)
	require.NotEqual(t, created.Secret, rotated.Secret)
	require.NotNil(t, rotated.PreviousSecretExpiresAt)

	decode[suppressionBody](t, a.call(http.MethodPost, "/v1/suppressions", map[string]any{"channel": "sms", "address": "+15551234567"}), http.StatusCreated)
	deliveries := decode[struct {
		Deliveries []struct {
			ID, Type, Status string
		}
	}](t, a.call(http.MethodGet, "/v1/webhooks/"+created.ID+"/deliveries?limit=10", nil), http.StatusOK)
	require.Len(t, deliveries.Deliveries, 1)
	require.Equal(t, "optout.created", deliveries.Deliveries[0].Type)
	require.Equal(t, "pending", deliveries.Deliveries[0].Status, "no worker runs in this test")
	require.Regexp(t, `^msg_`, deliveries.Deliveries[0].ID)

	require.Equal(t, http.StatusNoContent, a.call(http.MethodDelete, "/v1/webhooks/"+created.ID, nil).Code)
	requireError(t, a.call(http.MethodDelete, "/v1/webhooks/"+created.ID, nil), http.StatusNotFound)
	requireError(t, a.call(http.MethodGet, "/v1/webhooks/"+created.ID+"/deliveries", nil), http.StatusNotFound)
	requireError(t, a.call(http.MethodPost, "/v1/webhooks/"+created.ID+"/rotate-secret", nil), http.StatusNotFound)
}

func TestBadWebhooksGetA400NamingTheField(t *testing.T) {
	a := newTestAPI(t)
	ok := []string{"run.completed"}
	tests := []struct {
		method, target string
		body           any
		field          string
	}{
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://10.1.2.3/h", "events": ok}, "url"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://127.0.0.1:8080/h", "events": ok}, "url"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://[fd00::1]/h", "events": ok}, "url"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "http://93.184.215.14/h", "events": ok}, "url"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.215.14/" + strings.Repeat("a", 2001), "events": ok}, "url"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.215.14/h\u0000", "events": ok}, "url"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.215.14/h", "events": []string{"survey.answer"}}, "events"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.215.14/h", "events": []string{}}, "events"},
		{http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://93.184.215.14/h", "events": ok, "secret": "mine"}, "secret"},
		{http.MethodGet, "/v1/webhooks/wh_x/deliveries?limit=abc", nil, "limit"},
		{http.MethodGet, "/v1/webhooks/wh_x/deliveries?limit=1000", nil, "limit"},
	}
	for _, tt := range tests {
		e := requireError(t, a.call(tt.method, tt.target, tt.body), http.StatusBadRequest)
		require.Equal(t, tt.field, e.Field, "%s %v: %s", tt.target, tt.body, e.Message)
	}
	requireError(t, a.call(http.MethodGet, "/v1/webhooks/wh_nothing", nil), http.StatusNotFound)
	rec := a.call(http.MethodGet, "/v1/webhooks/%00", nil)
	require.GreaterOrEqual(t, rec.Code, 400)
	require.Less(t, rec.Code, 500, "a NUL in the id is the caller's")
}
