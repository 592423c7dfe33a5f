//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
)

// crmServer is an internal API on loopback: the worker reaches it through
// the crm connection, and external requests may not reach it at all.
type crmServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []*http.Request
}

func startCRM(t *testing.T) *crmServer {
	t.Helper()
	crm := &crmServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		crm.mu.Lock()
		crm.calls = append(crm.calls, r.Clone(r.Context()))
		crm.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer crm-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": "`+r.PathValue("id")+`", "tier": "gold", "agent": "Grace"}`)
	})
	crm.Server = httptest.NewServer(mux)
	t.Cleanup(crm.Close)
	return crm
}

func (c *crmServer) requests() []*http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*http.Request(nil), c.calls...)
}

func TestHTTPRequestReachesAnInternalAPIOnlyThroughItsConnection(t *testing.T) {
	crm := startCRM(t)
	s := startSystem(t, "CCFLOW_CONNECTION_CRM_URL="+crm.URL+"/api", "CCFLOW_CONNECTION_CRM_TOKEN=crm-token")
	viaConnection := seedEntry()
	viaConnection["name"] = "CRM greeting"
	viaConnection["steps"] = []any{
		map[string]any{"id": "crm-lookup", "type": "http_request", "connection": "crm",
			"path": "/customers/$(customer.id)", "save_as": "crm"},
		map[string]any{"id": "vip-check", "type": "if", "condition": "crm.body.tier == 'gold'",
			"then": []any{map[string]any{"id": "greeting", "type": "send_sms",
				"text": "Hi $(customer.first_name), $(crm.body.agent) is your $(crm.body.tier) line."}}},
	}
	direct := seedEntry()
	direct["name"] = "Direct CRM call"
	direct["steps"] = []any{
		map[string]any{"id": "direct-lookup", "type": "http_request", "url": crm.URL + "/api/customers/$(customer.id)",
			"on_error": []any{map[string]any{"id": "tell-ops", "type": "send_email", "to": "ops@example.com",
				"subject": "Lookup failed at $(error.step)", "text": "$(error.message)"}}},
	}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", viaConnection, nil))
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", direct, nil))

	id := interactionID("INT-4004")
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), &started))
	require.Len(t, started.Matches, 2)

	sms := s.twilio.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "Hi Ada, Grace is your gold line.", sms.Body)
	run := s.waitForRun("crm-greeting/"+id, "completed", 30*time.Second)
	require.EqualValues(t, 200, run["variables"].(map[string]any)["crm.status"])
	history := s.historyText("crm-greeting/" + id)
	require.Contains(t, history, "/customers/C-77", "the history shows the request")
	require.NotContains(t, history, "crm-token", "credentials never reach the history")

	alert := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, []string{"ops@example.com"}, alert.To)
	require.Equal(t, "Lookup failed at direct-lookup", alert.Subject)
	require.Contains(t, alert.Text, "address 127.0.0.1 is loopback")
	require.Contains(t, alert.Text, "through a connection")
	s.waitForRun("direct-crm-call/"+id, "completed", 30*time.Second)

	calls := crm.requests()
	require.Len(t, calls, 1, "only the connection's request reached the CRM")
	require.Equal(t, "/api/customers/C-77", calls[0].URL.Path)
}

// historyText is the run's whole history as text, payloads included.
func (s *system) historyText(workflowID string) string {
	s.t.Helper()
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var b strings.Builder
	for iter.HasNext() {
		event, err := iter.Next()
		require.NoError(s.t, err)
		b.WriteString(event.String())
	}
	return b.String()
}
