package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/client/loadgen"
	"github.com/ccflow/ccflow/examples"
)

// requestTimeout bounds one request of a load run, as apiclient does for
// the other commands.
const requestTimeout = 30 * time.Second

// loadOptions are the flags of the load command.
type loadOptions struct {
	events      int
	concurrency int
	rate        float64
	eventFile   string
	dryRun      bool
	timeout     time.Duration
	// json prints the summary as JSON (--output json) instead of text.
	json bool
}

func (o *loadOptions) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.IntVar(&o.events, "events", 200, "number of events to post")
	fs.IntVar(&o.concurrency, "concurrency", 8, "number of senders")
	fs.Float64Var(&o.rate, "rate", 0, "events a second (0: as fast as answered)")
	fs.StringVar(&o.eventFile, "event", "", "event template file (default: SPEC's example event)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "start nothing (?dry_run=true)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "stop after this long")
}

// Bounds of a run, so that a typo can neither start millions of workflows
// nor open thousands of connections.
const (
	maxEvents      = 1_000_000
	maxConcurrency = 1000
)

func (o *loadOptions) check() error {
	switch {
	case o.events < 1 || o.events > maxEvents:
		return fmt.Errorf("--events must be between 1 and %d", maxEvents)
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return fmt.Errorf("--concurrency must be between 1 and %d", maxConcurrency)
	case o.rate < 0:
		return errors.New("--rate must not be negative")
	case o.timeout <= 0:
		return errors.New("--timeout must be positive")
	}
	return nil
}

// load posts opts.events ended interactions to the ccflow at baseURL,
// showing progress on stderr, and prints the summary on stdout. It fails
// when any request failed or the run was stopped before the end.
func load(ctx context.Context, baseURL, token string, opts loadOptions, stdout, stderr io.Writer) error {
	if err := opts.check(); err != nil {
		return err
	}
	template := examples.InteractionEnded
	if opts.eventFile != "" {
		var err error
		if template, err = os.ReadFile(opts.eventFile); err != nil {
			return fmt.Errorf("reading the event template: %w", err)
		}
	}
	runID := loadgen.NewRunID()
	events, err := loadgen.NewEvents(template, runID, opts.events)
	if err != nil {
		return err
	}

	client := apiclient.New(baseURL, token, loadHTTPClient(opts.concurrency))
	ctx, cancel := context.WithTimeoutCause(ctx, opts.timeout, fmt.Errorf("--timeout %s reached", opts.timeout))
	defer cancel()
	if err := client.Health(ctx); err != nil {
		return fmt.Errorf("ccflow at %s is not ready: %w", client.BaseURL(), err)
	}
	send, mode := client.Ingest, "starting runs"
	if opts.dryRun {
		send, mode = client.DryRun, "dry run, starting nothing"
	}
	text := stdout
	if opts.json {
		text = io.Discard
	}
	fmt.Fprintf(text, "load run %s: %d events to %s (%s), concurrency %d, rate %s\n",
		runID, opts.events, client.BaseURL(), mode, opts.concurrency, rateText(opts.rate))
	fmt.Fprintf(text, "interaction ids %s … %s\n", events.ID(1), events.ID(opts.events))

	summary := loadgen.Run(ctx, events, loadgen.Config{
		Send:        send,
		Concurrency: opts.concurrency,
		Rate:        opts.rate,
		Progress:    stderr,
	})
	if opts.json {
		if err := writeJSON(stdout, loadJSON(runID, events.ID(1), events.ID(opts.events), opts, summary)); err != nil {
			return err
		}
	} else if err := summary.Write(stdout); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}

	var errs []error
	if n := summary.Failed(); n > 0 {
		errs = append(errs, fmt.Errorf("%d of %d requests failed", n, summary.Sent))
	}
	if summary.Sent < summary.Planned {
		errs = append(errs, fmt.Errorf("stopped after %d of %d events: %w", summary.Sent, summary.Planned, context.Cause(ctx)))
	}
	return errors.Join(errs...)
}

// loadHTTPClient keeps a connection per sender alive between requests:
// the default keeps two, and the rest would pay a new connection each
// time, which a load run would measure instead of ccflow.
func loadHTTPClient(concurrency int) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = concurrency
	return &http.Client{Timeout: requestTimeout, Transport: transport}
}

// loadSummary is the answer of `load --output json`; durations are in
// seconds.
type loadSummary struct {
	RunID          string         `json:"run_id"`
	FirstID        string         `json:"first_interaction_id"`
	LastID         string         `json:"last_interaction_id"`
	DryRun         bool           `json:"dry_run"`
	Planned        int            `json:"planned"`
	Sent           int            `json:"sent"`
	Failed         int            `json:"failed"`
	ElapsedSeconds float64        `json:"elapsed_seconds"`
	PerSecond      float64        `json:"per_second"`
	Latency        map[string]any `json:"latency_seconds"`
	Matches        map[string]int `json:"matches"`
	Unmatched      int            `json:"unmatched"`
	Errors         []loadError    `json:"errors"`
}

type loadError struct {
	Status  int    `json:"status"`
	Count   int    `json:"count"`
	Example string `json:"example"`
}

func loadJSON(runID, first, last string, opts loadOptions, s loadgen.Summary) loadSummary {
	out := loadSummary{RunID: runID, FirstID: first, LastID: last, DryRun: opts.dryRun,
		Planned: s.Planned, Sent: s.Sent, Failed: s.Failed(), ElapsedSeconds: s.Elapsed.Seconds(),
		Latency: map[string]any{"p50": s.Latency.P50.Seconds(), "p95": s.Latency.P95.Seconds(),
			"p99": s.Latency.P99.Seconds(), "max": s.Latency.Max.Seconds()},
		Matches: s.Matches, Unmatched: s.Unmatched, Errors: []loadError{}}
	if out.Matches == nil {
		out.Matches = map[string]int{}
	}
	if s.Elapsed > 0 {
		out.PerSecond = float64(s.Sent) / s.Elapsed.Seconds()
	}
	for _, e := range s.Errors {
		out.Errors = append(out.Errors, loadError{Status: e.Status, Count: e.Count, Example: e.Example})
	}
	return out
}

func rateText(rate float64) string {
	if rate == 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%g/s", rate)
}
