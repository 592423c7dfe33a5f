//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./client/apiclient).

package apiclient_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/api/apitest"
)

// The client against the real API, every exchange checked against
// openapi.yaml: what it sends is what the document describes, and it reads
// what the API answers.
func TestClientSpeaksTheDocumentedAPI(t *testing.T) {
	st := testenv.Store(t)
	srv := httptest.NewServer(api.New(api.Config{
		Service:  &usecase.Service{Store: st, Temporal: testenv.Temporal(t), TaskQueue: testenv.TaskQueue(t)},
		APIToken: "secret",
	}))
	t.Cleanup(srv.Close)
	c := apiclient.New(srv.URL, "secret", &http.Client{Timeout: 30 * time.Second, Transport: apitest.Load(t).Transport(t, nil)})
	ctx := context.Background()
	e := entry.Entry{ID: "contract", Name: "Contract", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Spam"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}}

	require.NoError(t, c.Health(ctx))
	policy, err := c.SetPolicy(ctx, []byte(`{"quiet_hours": {"sms": null}, "max_per_day": {"sms": 2}}`))
	require.NoError(t, err)
	require.Contains(t, string(policy), `"max_per_day":{"sms":2}`)
	_, err = c.SetPolicy(ctx, []byte(`{"max_per_day": {"fax": 2}}`))
	var refused *apiclient.Error
	require.ErrorAs(t, err, &refused)
	require.Equal(t, http.StatusBadRequest, refused.Status, "%v", err)
	catalog, err := c.Catalog(ctx)
	require.NoError(t, err)
	require.Contains(t, catalog.Interaction, "Spam")
	created, err := c.CreateEntry(ctx, e)
	require.NoError(t, err)
	require.Equal(t, 1, created.Version)
	e.Version = 1
	updated, err := c.UpdateEntry(ctx, e) // over version 1: If-Match
	require.NoError(t, err)
	require.Equal(t, 2, updated.Version)
	_, err = c.UpdateEntry(ctx, e) // still over version 1: stale
	require.True(t, apiclient.IsStale(err), "%v", err)
	var apiErr *apiclient.Error
	require.ErrorAs(t, err, &apiErr)
	require.Len(t, apiErr.RequestID, 32, "the answer names the request")
	require.True(t, apiclient.IsStale(c.DeleteEntry(ctx, "contract", 1)))
	got, err := c.Entry(ctx, "contract")
	require.NoError(t, err)
	require.Equal(t, 2, got.Version)
	list, err := c.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	event := fmt.Appendf(nil, `{"interaction_id": "INT-%d", "service": "S", "disposition": "Spam"}`, time.Now().UnixNano())
	res, err := c.DryRun(ctx, event)
	require.NoError(t, err)
	require.Equal(t, []string{interaction.StatusWouldStart}, statuses(res))
	require.NoError(t, c.DeleteEntry(ctx, "contract", 2))
	_, err = c.Entry(ctx, "contract")
	require.True(t, apiclient.IsNotFound(err))
	res, err = c.Ingest(ctx, event)
	require.NoError(t, err)
	require.Empty(t, res.Matches)
}

func statuses(res interaction.Result) []string {
	var out []string
	for _, m := range res.Matches {
		out = append(out, m.Status)
	}
	return out
}
