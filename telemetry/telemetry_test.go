package telemetry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/telemetry"
)

func setup(t *testing.T, exporter *tracetest.InMemoryExporter) *telemetry.Telemetry {
	t.Helper()
	opts := telemetry.Options{Service: "ccflow-test", Build: buildinfo.Info{Version: "v1.2.3"}}
	if exporter != nil {
		opts.SpanExporter = exporter
	}
	tel, err := telemetry.Setup(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	return tel
}

// scrape returns what /metrics answers.
func scrape(t *testing.T, tel *telemetry.Telemetry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

// copyKey marks the request copy nested makes.
type copyKey struct{}

// nested is a top mux with a /v1/ mux inside, behind a middleware that
// replaces the request with a copy, as the API's token check and request
// id do.
func nested() http.Handler {
	v1 := http.NewServeMux()
	v1.HandleFunc("PUT /v1/entries/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	top := http.NewServeMux()
	top.Handle("/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.Routed(v1).ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), copyKey{}, 1)))
	}))
	top.HandleFunc("GET /s/{token}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "page") })
	return telemetry.Routed(top)
}

func TestHandlerCountsRequestsByTheInnermostRoute(t *testing.T) {
	tel := setup(t, nil)
	h := tel.Handler(nested(), telemetry.HTTPOptions{Server: "test"})

	for _, target := range []string{"/v1/entries/a", "/v1/entries/b", "/s/secret-token", "/nowhere"} {
		method := http.MethodGet
		if strings.HasPrefix(target, "/v1/") {
			method = http.MethodPut
		}
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
	}

	body := scrape(t, tel)
	require.Contains(t, body, `ccflow_http_request_duration_seconds_count{method="PUT",route="PUT /v1/entries/{id}",status="418"} 2`)
	require.Contains(t, body, `ccflow_http_request_duration_seconds_count{method="GET",route="GET /s/{token}",status="200"} 1`)
	require.Contains(t, body, `ccflow_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1`)
	require.NotContains(t, body, "secret-token")
}

func TestEveryFamilyIsServedFromTheStart(t *testing.T) {
	tel := setup(t, nil)
	var m *telemetry.Metrics
	m.Send("email", telemetry.SendSent) // a nil *Metrics counts nothing, and does not panic
	tel.Metrics.EventIngested(false)
	tel.Metrics.Matched("post-call-survey", "started")
	tel.Metrics.Send("sms", telemetry.SendRejected)
	tel.Metrics.PolicyDecision("sms", telemetry.PolicySkipped, "opted_out")

	body := scrape(t, tel)
	for _, want := range []string{
		`ccflow_events_ingested_total{dry_run="false"} 1`,
		`ccflow_events_ingested_total{dry_run="true"} 0`,
		`ccflow_matches_total{entry="post-call-survey"} 1`,
		`ccflow_workflow_starts_total{entry="post-call-survey",status="started"} 1`,
		`ccflow_sends_total{channel="sms",outcome="rejected"} 1`,
		`ccflow_sends_total{channel="email",outcome="sent"} 0`,
		`ccflow_policy_decisions_total{channel="sms",decision="skipped",reason="opted_out"} 1`,
		`ccflow_policy_decisions_total{channel="email",decision="held",reason="quiet_hours"} 0`,
		"go_goroutines",
		"process_cpu_seconds_total",
	} {
		require.Contains(t, body, want)
	}
}

func TestTemporalSDKMetricsAreServedOnTheSameRegistry(t *testing.T) {
	tel := setup(t, nil)
	var opts client.Options
	require.NoError(t, tel.Temporal(&opts))
	require.NotNil(t, opts.MetricsHandler)
	require.Empty(t, opts.Interceptors, "no tracing interceptor while tracing is off")

	opts.MetricsHandler.WithTags(map[string]string{"namespace": "default"}).Counter("temporal_request").Inc(1)
	opts.MetricsHandler.Timer("temporal_activity_execution_latency").Record(1500 * time.Millisecond)

	body := scrape(t, tel)
	require.Contains(t, body, `temporal_request_total{namespace="default"} 1`)
	require.Contains(t, body, `temporal_activity_execution_latency_seconds_bucket{le="1"} 0`, "buckets in seconds")
	require.Contains(t, body, `temporal_activity_execution_latency_seconds_bucket{le="2.5"} 1`)
}

func TestSpansAreNamedAfterTheRouteAndHideThePath(t *testing.T) {
	exporter := tracetest.NewInMemoryExporter()
	tel := setup(t, exporter)
	require.True(t, tel.Tracing)
	h := tel.Handler(nested(), telemetry.HTTPOptions{Server: "test", Path: func(r *http.Request) string {
		if strings.HasPrefix(r.URL.Path, "/s/") {
			return "/s/…"
		}
		return r.URL.Path
	}})
	req := httptest.NewRequest(http.MethodGet, "/s/secret-token", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")

	h.ServeHTTP(httptest.NewRecorder(), req)

	spans := exporter.GetSpans()
	require.Len(t, spans, 1)
	require.Equal(t, "GET /s/{token}", spans[0].Name)
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", spans[0].SpanContext.TraceID().String(), "the caller's trace goes on")
	attrs := map[attribute.Key]string{}
	for _, kv := range spans[0].Attributes {
		attrs[kv.Key] = kv.Value.AsString()
	}
	require.Equal(t, "/s/…", attrs["url.path"])
	require.Equal(t, "GET /s/{token}", attrs["http.route"])
	var opts client.Options
	require.NoError(t, tel.Temporal(&opts))
	require.Len(t, opts.Interceptors, 1, "the tracing interceptor carries the trace into Temporal")
}

// A client chooses the request method: made-up ones, however many and
// however long, are all counted as "other", so /metrics keeps its size.
func TestMadeUpMethodsLeaveTheMetricsTheirSize(t *testing.T) {
	tel := setup(t, nil)
	h := tel.Handler(nested(), telemetry.HTTPOptions{Server: "test"})
	serve := func(method string) {
		r := httptest.NewRequest(http.MethodGet, "/v1/entries/a", nil)
		r.Method = method
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	serve("BREW") // the "other" series exist from here on
	before := series(scrape(t, tel))

	for i := range 10_000 {
		serve(fmt.Sprintf("M%05d", i))
	}
	for i := range 20 {
		serve(strings.Repeat("X", 16<<10) + fmt.Sprint(i))
	}
	serve("get") // methods are case-sensitive: not GET

	body := scrape(t, tel)
	require.Equal(t, before, series(body), "ccflow's series")
	require.NotContains(t, body, "M09999")
	require.Contains(t, body, `ccflow_http_request_duration_seconds_count{method="other",route="/v1/",status="405"} 10022`)
}

// series are the names and labels of ccflow's own series in a scrape,
// without their values (which grow), one a line: what /metrics's size
// depends on.
func series(body string) string {
	var out []string
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "ccflow_") {
			out = append(out, line[:strings.LastIndexByte(line, ' ')])
		}
	}
	return strings.Join(out, "\n")
}
