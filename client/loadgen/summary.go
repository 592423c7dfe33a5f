package loadgen

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/core/interaction"
)

// Result is the outcome of one request of a load run.
type Result struct {
	// Latency is the time from sending the request to reading its answer.
	Latency time.Duration
	// Statuses holds the status of each match the answer reported, such as
	// interaction.StatusStarted; none when the event matched no entry.
	Statuses []string
	// Err is the request's failure, nil when it was answered with 2xx.
	Err error
}

// Summary is what a load run measured.
type Summary struct {
	// Planned is the number of events the run was to send; Sent falls
	// short of it when the run was stopped.
	Planned, Sent int
	// Elapsed is the run's wall-clock time.
	Elapsed time.Duration
	// Latency covers every request sent, failed ones included.
	Latency Latency
	// Matches counts the matches answered, by status.
	Matches map[string]int
	// Unmatched counts the events answered with no match at all.
	Unmatched int
	// Errors groups the failed requests by HTTP status, lowest first.
	Errors []ErrorGroup
	// Rate is the open-loop rate the events were offered at, 0 for a
	// closed-loop run; with it, latencies run from each event's intended
	// send time.
	Rate float64
}

// Latency is the distribution of request latencies.
type Latency struct {
	P50, P95, P99, Max time.Duration
}

// ErrorGroup is the failed requests of one HTTP status.
type ErrorGroup struct {
	// Status is the HTTP status, 0 when no answer came (refused
	// connection, timeout, cancelled run).
	Status int
	Count  int
	// Example is the message of the first of them.
	Example string
}

// Summarize computes the summary of results, the outcomes of a run of
// planned events that took elapsed.
func Summarize(results []Result, planned int, elapsed time.Duration) Summary {
	s := Summary{Planned: planned, Sent: len(results), Elapsed: elapsed, Matches: map[string]int{}}
	latencies := make([]time.Duration, len(results))
	groups := map[int]*ErrorGroup{}
	for i, r := range results {
		latencies[i] = r.Latency
		if r.Err != nil {
			status := httpStatus(r.Err)
			g, ok := groups[status]
			if !ok {
				g = &ErrorGroup{Status: status, Example: r.Err.Error()}
				groups[status] = g
			}
			g.Count++
			continue
		}
		if len(r.Statuses) == 0 {
			s.Unmatched++
		}
		for _, st := range r.Statuses {
			s.Matches[st]++
		}
	}
	slices.Sort(latencies)
	s.Latency = Latency{
		P50: Percentile(latencies, 50),
		P95: Percentile(latencies, 95),
		P99: Percentile(latencies, 99),
		Max: Percentile(latencies, 100),
	}
	for _, g := range groups {
		s.Errors = append(s.Errors, *g)
	}
	slices.SortFunc(s.Errors, func(a, b ErrorGroup) int { return a.Status - b.Status })
	return s
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p percent of the
// values do not exceed. It is 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// httpStatus is the HTTP status of a failed request, 0 if none came.
func httpStatus(err error) int {
	var apiErr *apiclient.Error
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}

// Failed is the number of requests that failed.
func (s Summary) Failed() int {
	n := 0
	for _, g := range s.Errors {
		n += g.Count
	}
	return n
}

// Throughput is the requests finished per second.
func (s Summary) Throughput() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Sent) / s.Elapsed.Seconds()
}

// Write prints s for a person, one measure a line.
func (s Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "events       %d of %d sent\n", s.Sent, s.Planned)
	fmt.Fprintf(&b, "total time   %s\n", s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "throughput   %.1f events/s", s.Throughput())
	if s.Rate > 0 {
		fmt.Fprintf(&b, " (offered %g/s open loop)", s.Rate)
	}
	fmt.Fprintf(&b, "\nlatency      p50 %s  p95 %s  p99 %s  max %s",
		roundLatency(s.Latency.P50), roundLatency(s.Latency.P95), roundLatency(s.Latency.P99), roundLatency(s.Latency.Max))
	if s.Rate > 0 {
		b.WriteString(" (from each event's intended send time)")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "matches      %d started, %d already started, %d would start",
		s.Matches[interaction.StatusStarted], s.Matches[interaction.StatusAlreadyStarted], s.Matches[interaction.StatusWouldStart])
	for _, st := range otherStatuses(s.Matches) {
		fmt.Fprintf(&b, ", %d %s", s.Matches[st], st)
	}
	fmt.Fprintf(&b, "; %d events matched no entry\n", s.Unmatched)
	fmt.Fprintf(&b, "errors       %d\n", s.Failed())
	for _, g := range s.Errors {
		status := "no answer"
		if g.Status != 0 {
			status = fmt.Sprintf("HTTP %d", g.Status)
		}
		fmt.Fprintf(&b, "  %s ×%d, e.g. %s\n", status, g.Count, g.Example)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// otherStatuses lists, sorted, the match statuses this client does not
// know, so a newer server's answers are shown rather than dropped.
func otherStatuses(matches map[string]int) []string {
	var other []string
	for st := range matches {
		switch st {
		case interaction.StatusStarted, interaction.StatusAlreadyStarted, interaction.StatusWouldStart:
		default:
			other = append(other, st)
		}
	}
	slices.Sort(other)
	return other
}

// roundLatency keeps about three significant digits: 1.23ms, 45.6ms,
// 123ms, 1.23s.
func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
