//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./telemetry).

package telemetry_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/senders"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/workflows"
)

// One ended interaction makes one trace: the HTTP request, the workflow
// start it makes, the run on the worker, the send activity and the
// provider call inside it, each span a child of the one before.
func TestOneTraceFromTheRequestToTheProviderCall(t *testing.T) {
	if os.Getenv("TEMPORAL_ADDRESS") == "" {
		t.Fatal("TEMPORAL_ADDRESS is not set: run the tests with `make test`, which starts a Temporal dev server")
	}
	spans := tracetest.NewInMemoryExporter()
	tel, err := telemetry.Setup(context.Background(), telemetry.Options{Service: "ccflow-test", SpanExporter: spans})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	opts, err := envconfig.LoadDefaultClientOptions()
	require.NoError(t, err)
	opts.Logger = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	require.NoError(t, tel.Temporal(&opts))
	tc, err := client.Dial(opts) // starter and worker share it here; in production each has its own, alike
	require.NoError(t, err)
	t.Cleanup(tc.Close)

	st := testenv.Store(t)
	queue := testenv.TaskQueue(t)
	signer := tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	mailer, err := senders.NewMailer("", t.TempDir())
	require.NoError(t, err)
	w := worker.New(tc, queue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{Store: st, Mailer: mailer, Signer: signer, PublicURL: "http://localhost",
		From: "care@example.com", Metrics: tel.Metrics})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	srv := httptest.NewServer(tel.Handler(api.New(api.Config{
		Service:  &usecase.Service{Store: st, Temporal: tc, TaskQueue: queue, Signer: signer, Metrics: tel.Metrics},
		APIToken: "secret",
	}), telemetry.HTTPOptions{Server: "ccflow-test", Path: api.LoggedPath}))
	t.Cleanup(srv.Close)
	post := func(path, body string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, "POST %s", path)
	}
	post("/v1/entries", `{"name": "Hello", "service": "S", "triggers": [{"type": "disposition", "disposition": "Spam"}],
		"steps": [{"id": "hello", "type": "send_email", "subject": "Hello", "text": "Hi $(customer.first_name)"}]}`)
	interactionID := "INT-TRACE-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	spans.Reset()

	post("/v1/interactions/ended", `{"interaction_id": "`+interactionID+`", "service": "S", "disposition": "Spam",
		"customer": {"first_name": "Ada", "email": "ada@example.com"}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, tc.GetWorkflow(ctx, workflows.WorkflowID("hello", interactionID), "").Get(ctx, nil))

	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans.GetSpans() {
		byName[s.Name] = s
	}
	chain := []string{
		"POST /v1/interactions/ended",
		"StartWorkflow:" + workflows.FollowUpWorkflow,
		"RunWorkflow:" + workflows.FollowUpWorkflow,
		"StartActivity:" + workflows.SendEmailActivity,
		"RunActivity:" + workflows.SendEmailActivity,
		"send email",
	}
	for i, name := range chain {
		s, ok := byName[name]
		require.True(t, ok, "a span %q among %v", name, names(spans.GetSpans()))
		require.Equal(t, byName[chain[0]].SpanContext.TraceID(), s.SpanContext.TraceID(), "%s is in the request's trace", name)
		if i > 0 {
			require.Equal(t, byName[chain[i-1]].SpanContext.SpanID(), s.Parent.SpanID(), "%s is a child of %s", name, chain[i-1])
		}
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
