package loadgen_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/client/loadgen"
	"github.com/ccflow/ccflow/core/interaction"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no values", nil, 50, 0},
		{"one value is every percentile", []time.Duration{7}, 99, 7},
		{"median of 1..100 ms", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1..100 ms", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1..100 ms", hundred, 99, 99 * time.Millisecond},
		{"max is p100", hundred, 100, 100 * time.Millisecond},
		{"nearest rank rounds up", []time.Duration{1, 2, 3, 4}, 50, 2},
		{"p99 of few values is the largest", []time.Duration{1, 2, 3, 4}, 99, 4},
		{"a tiny percentile is the smallest value", []time.Duration{1, 2, 3, 4}, 0.1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, loadgen.Percentile(tt.sorted, tt.p))
		})
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func apiError(status int, msg string) error {
	return fmt.Errorf("event load-1: posting an ended interaction: %w", &apiclient.Error{Status: status, Code: "x", Message: msg})
}

func TestSummarizeCountsMatchStatusesAndUnmatchedEvents(t *testing.T) {
	results := []loadgen.Result{
		{Latency: ms(1), Statuses: []string{interaction.StatusStarted, interaction.StatusStarted}},
		{Latency: ms(2), Statuses: []string{interaction.StatusAlreadyStarted}},
		{Latency: ms(3)},
		{Latency: ms(4), Statuses: []string{interaction.StatusWouldStart}},
	}

	s := loadgen.Summarize(results, 4, time.Second)

	require.Equal(t, map[string]int{interaction.StatusStarted: 2, interaction.StatusAlreadyStarted: 1, interaction.StatusWouldStart: 1}, s.Matches)
	require.Equal(t, 1, s.Unmatched)
	require.Zero(t, s.Failed())
}

func TestSummarizeGroupsErrorsByHTTPStatusWithTheFirstMessage(t *testing.T) {
	results := []loadgen.Result{
		{Latency: ms(5), Err: apiError(503, "Temporal is unavailable")},
		{Latency: ms(5), Err: errors.New("connection refused")},
		{Latency: ms(5), Err: apiError(400, "service: is required")},
		{Latency: ms(5), Err: apiError(503, "PostgreSQL is unavailable")},
		{Latency: ms(5), Statuses: []string{interaction.StatusStarted}},
	}

	s := loadgen.Summarize(results, 5, time.Second)

	require.Equal(t, 4, s.Failed())
	require.Len(t, s.Errors, 3)
	require.Equal(t, 0, s.Errors[0].Status, "no answer comes first")
	require.Equal(t, "connection refused", s.Errors[0].Example)
	require.Equal(t, 400, s.Errors[1].Status)
	require.Equal(t, 503, s.Errors[2].Status)
	require.Equal(t, 2, s.Errors[2].Count)
	require.Contains(t, s.Errors[2].Example, "Temporal is unavailable")
	require.Equal(t, map[string]int{interaction.StatusStarted: 1}, s.Matches, "failed requests count no match")
}

func TestSummarizeLatencyAndThroughput(t *testing.T) {
	var results []loadgen.Result
	for i := 200; i >= 1; i-- { // in any order
		results = append(results, loadgen.Result{Latency: ms(i)})
	}

	s := loadgen.Summarize(results, 250, 4*time.Second)

	require.Equal(t, loadgen.Latency{P50: ms(100), P95: ms(190), P99: ms(198), Max: ms(200)}, s.Latency)
	require.Equal(t, 200, s.Sent)
	require.Equal(t, 250, s.Planned)
	require.InDelta(t, 50.0, s.Throughput(), 1e-9)
}

func TestSummaryOfNothingIsZero(t *testing.T) {
	s := loadgen.Summarize(nil, 10, 0)

	require.Equal(t, loadgen.Latency{}, s.Latency)
	require.Zero(t, s.Throughput())
}

func TestSummaryWrite(t *testing.T) {
	s := loadgen.Summary{
		Planned: 20, Sent: 20, Elapsed: 1234567 * time.Microsecond,
		Latency: loadgen.Latency{P50: 1234 * time.Microsecond, P95: 12345 * time.Microsecond, P99: 123456 * time.Microsecond, Max: 2345678 * time.Microsecond},
		Matches: map[string]int{interaction.StatusStarted: 17, interaction.StatusAlreadyStarted: 1, "queued": 1},
		Errors: []loadgen.ErrorGroup{
			{Status: 0, Count: 1, Example: "connection refused"},
			{Status: 503, Count: 1, Example: "Temporal is unavailable (503 unavailable)"},
		},
		Unmatched: 0,
	}
	var out strings.Builder

	require.NoError(t, s.Write(&out))

	require.Equal(t, ""+
		"events       20 of 20 sent\n"+
		"total time   1.235s\n"+
		"throughput   16.2 events/s\n"+
		"latency      p50 1.23ms  p95 12.3ms  p99 123ms  max 2.35s\n"+
		"matches      17 started, 1 already started, 0 would start, 1 queued; 0 events matched no entry\n"+
		"errors       2\n"+
		"  no answer ×1, e.g. connection refused\n"+
		"  HTTP 503 ×1, e.g. Temporal is unavailable (503 unavailable)\n", out.String())
}
