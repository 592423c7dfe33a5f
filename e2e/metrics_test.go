//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scrape returns the metric lines /metrics at base answers, without the
// comments.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// After one event has gone all the way through, the starter's and the
// worker's /metrics have every family the dashboard and the alerts use.
func TestMetricsAfterAnEndToEndRun(t *testing.T) {
	s := startSystem(t)
	entry := seedEntry()
	entry["steps"] = []any{
		map[string]any{"id": "hello", "type": "send_email", "subject": "Hello", "text": "Hi $(customer.first_name)"},
		map[string]any{"id": "text", "type": "send_sms", "text": "Hi $(customer.first_name)"},
	}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", entry, nil))
	id := interactionID("INT-METRICS")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended?dry_run=true", seedEvent(id), nil))
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), nil))
	s.waitForRun("post-call-survey/"+id, "completed", 30*time.Second)
	waitReady(t, s.workerURL+"/readyz")

	starter := scrape(t, s.baseURL)
	worker := scrape(t, s.workerURL)

	for _, want := range []string{
		`ccflow_http_request_duration_seconds_bucket{method="POST",route="POST /v1/interactions/ended",status="200",le="`,
		`ccflow_http_request_duration_seconds_count{method="POST",route="POST /v1/entries",status="201"} 1`,
		`ccflow_events_ingested_total{dry_run="false"} 1`,
		`ccflow_events_ingested_total{dry_run="true"} 1`,
		`ccflow_matches_total{entry="post-call-survey"} 2`,
		`ccflow_workflow_starts_total{entry="post-call-survey",status="started"} 1`,
		`ccflow_workflow_starts_total{entry="post-call-survey",status="would_start"} 1`,
		"temporal_request_total{",
		"go_goroutines ",
	} {
		if !strings.Contains(starter, want) {
			t.Errorf("the starter's /metrics lack %s", want)
		}
	}
	for _, want := range []string{
		`ccflow_sends_total{channel="email",outcome="sent"} 1`,
		`ccflow_sends_total{channel="sms",outcome="sent"} 1`,
		`ccflow_policy_decisions_total{channel="sms",decision="held",reason="quiet_hours"} 0`,
		`ccflow_http_request_duration_seconds_count{method="GET",route="GET /readyz",status="200"}`,
		"temporal_workflow_completed_total{",
		"temporal_activity_execution_latency",
		"temporal_worker_task_slots_available{",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(worker, want) {
			t.Errorf("the worker's /metrics lack %s", want)
		}
	}
	// Every metric of the Grafana dashboard is there to be shown.
	data, err := os.ReadFile("../deploy/grafana/ccflow.json")
	require.NoError(t, err)
	for _, name := range regexp.MustCompile(`\b(?:ccflow|temporal)_[a-z_]+`).FindAllString(string(data), -1) {
		if !strings.Contains(starter+worker, "\n"+name) {
			t.Errorf("the dashboard shows %s, which neither /metrics has", name)
		}
	}
	if t.Failed() {
		t.Logf("starter:\n%s\nworker:\n%s", grepLines(starter, "ccflow_", "temporal_"), grepLines(worker, "ccflow_", "temporal_"))
	}
}

func grepLines(text string, prefixes ...string) string {
	var out []string
	for line := range strings.Lines(text) {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				out = append(out, strings.TrimRight(line, "\n"))
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// A client chooses the request method. On both listeners, the starter's
// and the worker's probe port, 10,000 made-up methods and long ones are
// counted as "other", so /metrics keeps its size; a request line over the
// header limit is refused before any handler runs.
func TestMadeUpMethodsLeaveTheMetricsTheirSize(t *testing.T) {
	s := startSystem(t)
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(base, method, path string) int {
		req, err := http.NewRequest(method, base+path, nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, base := range []string{s.baseURL, s.workerURL} {
		for _, path := range []string{"/livez", "/v1/entries", "/nowhere"} {
			send(base, "BREW", path) // the "other" series of each route exist from here on
		}
		scrape(t, base) // and those of /metrics itself
		before := ccflowSeries(scrape(t, base))

		for i := range 10_000 {
			send(base, fmt.Sprintf("M%05d", i), []string{"/livez", "/v1/entries", "/nowhere"}[i%3])
		}
		for i := range 20 {
			send(base, strings.Repeat("X", 16<<10)+fmt.Sprint(i), "/livez")
		}
		after := scrape(t, base)
		require.Equal(t, before, ccflowSeries(after), "the series of %s/metrics", base)
		require.NotContains(t, after, "M09999")
		require.Contains(t, after, `method="other"`)
		require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, send(base, strings.Repeat("Y", 64<<10), "/livez"),
			"a request line over the header limit (%s)", base)
	}
}

// ccflowSeries are the names and labels of ccflow's own series in a
// scrape, without their values: what the size of /metrics grows with.
func ccflowSeries(body string) string {
	var out []string
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "ccflow_") {
			out = append(out, line[:strings.LastIndexByte(line, ' ')])
		}
	}
	return strings.Join(out, "\n")
}
