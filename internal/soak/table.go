package soak

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Params are the soak's settings and what happened to the system, for the
// table's heading.
type Params struct {
	Events                                    int
	Rate                                      float64
	Kills, TemporalRestarts, PostgresRestarts int
	SendFor, Elapsed                          time.Duration
	LatencyP50, LatencyP99                    time.Duration
	// Quiet, DailyCap and OptOuts are the contact policy the soak ran on
	// and the opt-outs it made.
	Quiet    Quiet
	DailyCap int
	OptOuts  int
	// SupervisorStarts counts the workers the soak started again after
	// one exited on its own (one that starts while PostgreSQL restarts).
	SupervisorStarts int
}

// policyLine says what contact policy the soak ran on, "" for none.
func (p Params) policyLine() string {
	var parts []string
	for _, ch := range slices.Sorted(maps.Keys(p.Quiet.Spans)) {
		w := p.Quiet.Spans[ch]
		parts = append(parts, fmt.Sprintf("%s quiet hours %s to %s UTC", ch, w.From.UTC().Format("15:04"), w.To.UTC().Format("15:04")))
	}
	if p.DailyCap > 0 {
		parts = append(parts, fmt.Sprintf("a daily cap of %d per customer and channel (two runs per customer)", p.DailyCap))
	}
	if p.OptOuts > 0 {
		parts = append(parts, fmt.Sprintf("%d customers opted out mid-run", p.OptOuts))
	}
	if len(parts) == 0 {
		return ""
	}
	return "contact policy: " + strings.Join(parts, ", ") + "; customers in " + Zone
}

// Write prints the report as the soak's table, then its problems and the
// duplicates it tolerated, each with why.
func Write(w io.Writer, p Params, r Report) error {
	fmt.Fprintf(w, "\nccflow chaos soak: %d events at %.0f/s over %s, %d worker kill -9s, %d Temporal restarts, %d PostgreSQL restarts; %s in all\n\n",
		p.Events, p.Rate, p.SendFor.Round(time.Second), p.Kills, p.TemporalRestarts, p.PostgresRestarts, p.Elapsed.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what string, n int, note string) { fmt.Fprintf(tw, "%s\t%8d\t%s\n", what, n, note) }
	retried := []string{}
	codes := make([]int, 0, len(r.Retried))
	for c := range r.Retried {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	total := 0
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "no answer"
		}
		retried = append(retried, fmt.Sprintf("%s: %d", name, r.Retried[c]))
		total += r.Retried[c]
	}
	row("events sent", r.EventsSent, fmt.Sprintf("of %d planned, each its own interaction id", r.EventsPlanned))
	row("posts", r.Posts, "duplicates and retries included")
	row("posts retried", total, strings.Join(retried, ", "))
	row("runs expected", r.RunsExpected, "one per event")
	row("runs started", r.RunsStarted, "")
	row("runs lost", r.RunsLost, "")
	row("duplicate runs", r.DuplicateRuns, "")
	row("runs not completed", r.RunsNotCompleted, "failed, terminated or still running")
	row("runs without record", r.RunsWithoutRecord, "not in the runs table")
	row("messages expected", r.MessagesExpected, "a survey and a last message per run")
	row("messages received", r.MessagesReceived, "by the SMTP and Twilio-shaped servers")
	skipped, why := 0, []string{}
	for _, code := range slices.Sorted(maps.Keys(r.Skipped)) {
		skipped += r.Skipped[code]
		why = append(why, fmt.Sprintf("%s: %d", code, r.Skipped[code]))
	}
	row("messages skipped by policy", skipped, strings.Join(append(why, "each for a cause that held"), ", "))
	row("messages missing", r.MessagesMissing, "")
	row("policy violations", r.PolicyViolations, "sent in quiet hours, after an opt-out or over a cap; skipped without cause")
	row("duplicate messages", r.Duplicates, "by Message-ID (email) or reference (SMS), outside the gap")
	row("duplicates in the gap", r.DuplicatesInGap, "worker killed between the provider's acceptance and the record")
	row("unexpected messages", r.UnexpectedMessages, "")
	row("survey answers planned", r.AnswersPlanned, "")
	row("answers taken", r.AnswersTaken, "through the link's form or the JSON API")
	row("answers stored late", r.AnswersStoredLate, "after the run stopped waiting")
	row("answers refused closed", r.AnswersClosed, "")
	row("answers given up", r.AnswersFailed, "")
	row("answers run/store disagree", r.AnswerMismatches, "")
	row("results/rows disagree", r.ResultMismatches, "GET /v1/results against the runs, deliveries, surveys and answers")
	if err := tw.Flush(); err != nil {
		return err
	}
	if p.LatencyP50 > 0 {
		fmt.Fprintf(w, "\ningest latency from each event's due time, retries included: p50 %s, p99 %s\n",
			p.LatencyP50.Round(time.Millisecond), p.LatencyP99.Round(time.Millisecond))
	}
	if p.SupervisorStarts > 0 {
		fmt.Fprintf(w, "the worker exited on its own %d times (one started while PostgreSQL restarts exits at once) and was started again, as a supervisor would\n", p.SupervisorStarts)
	}
	if policy := p.policyLine(); policy != "" {
		fmt.Fprintln(w, policy)
	}
	if l := r.RecordLag; l.Count > 0 {
		fmt.Fprintf(w, "the gap as measured: %d messages recorded p50 %s, p99 %s, at most %s after the provider accepted them;"+
			" a duplicate is tolerated only when the worker was killed within %s of its first copy\n",
			l.Count, l.P50.Round(100*time.Microsecond), l.P99.Round(100*time.Microsecond), l.Max.Round(100*time.Microsecond), l.Max.Round(100*time.Microsecond))
	}
	if len(r.Gap) > 0 {
		fmt.Fprintln(w, "\nduplicates tolerated as the documented gap:")
		for _, g := range r.Gap {
			fmt.Fprintln(w, "  "+g)
		}
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nFAILED:")
		for _, pr := range r.Problems {
			fmt.Fprintln(w, "  "+pr)
		}
	} else {
		fmt.Fprintln(w, "\nPASSED: nothing lost, nothing duplicated beyond the documented gap")
	}
	return nil
}
