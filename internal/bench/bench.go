// Package bench measures the figures of ccflow's performance table against
// a running system set up as `make dev` sets it up (devenv system), each
// figure beside its reference measured in the same run: ingest beside raw
// SDK starts of the same workflow, the dry run with many entries beside the
// dry run with the examples, the interpreter beside the same steps written
// by hand. `make bench` runs it and prints the table.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/core/interaction"
)

// Config says what to measure against and for how long.
type Config struct {
	// BaseURL and Token reach the starter's API.
	BaseURL, Token string
	// Temporal is a client of the system's Temporal server; TaskQueue is
	// the queue its worker polls.
	Temporal  client.Client
	TaskQueue string
	// DatabaseURL is the system's PostgreSQL, for the in-process worker of
	// the interpreter figure, whose activities record their sends.
	DatabaseURL string
	// OutboxDir is where that worker's messages go.
	OutboxDir string
	// Processes are the system's processes: the worker's memory is
	// measured, and every figure that loads the system splits its CPU time.
	Processes Processes

	// InFlight is how many starts or requests are in flight at once in the
	// throughput figures; Phase is how long each of them measures.
	InFlight int
	Phase    time.Duration
	// Rate is the fixed rate of the open-loop figure, held for RateFor.
	Rate    float64
	RateFor time.Duration
	// ExtraEntries is how many entries, none matching, the many-entries
	// dry run adds to the examples.
	ExtraEntries int
	// Sleeping is how many waiting runs the memory figure starts.
	Sleeping int
	// SimulatedEvents is how many recorded events the simulation figure
	// simulates.
	SimulatedEvents int
	// SMTPAddr is where the system's worker sends email (devenv system's
	// CCFLOW_SMTP_ADDR): the first-message figure listens there.
	SMTPAddr string
	// FirstMessageRates are the open-loop rates of the first-message
	// figure (events a second), each held for FirstMessageFor.
	FirstMessageRates []float64
	FirstMessageFor   time.Duration
	// Skip names figures not to measure (see the figure keys in Run);
	// Only, when it names any, the only figures to measure.
	Skip map[string]bool
	Only map[string]bool

	// ResultsAnswers and ResultsMessages are how many survey answers and
	// messages the results figures load (once: a later run finds them);
	// ResultsQueries how many times each results query is timed.
	ResultsAnswers, ResultsMessages, ResultsQueries int

	// Progress gets a line as each measurement starts and ends.
	Progress io.Writer
}

// Row is one line of the table.
type Row struct {
	Figure    string
	Value     string
	Reference string
	// Ratio is value / reference, 0 when there is none.
	Ratio float64
	Goal  string
	// Met is "yes", "NO" or "" when the figure has no goal.
	Met  string
	Note string
}

// system is what the measurements share.
type system struct {
	cfg   Config
	api   *apiclient.Client
	http  *http.Client
	stamp string // makes this run's interaction ids unique
	// rawRate is the raw start rate measured, the open-loop figure's
	// reference.
	rawRate float64
}

func (s *system) say(format string, args ...any) {
	if s.cfg.Progress != nil {
		fmt.Fprintf(s.cfg.Progress, "bench: "+format+"\n", args...)
	}
}

// ingest posts ev (dry run or not) and returns the answer.
func (s *system) ingest(ctx context.Context, ev interaction.Event, dryRun bool) (interaction.Result, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return interaction.Result{}, err
	}
	if dryRun {
		return s.api.DryRun(ctx, data)
	}
	return s.api.Ingest(ctx, data)
}

func newSystem(cfg Config) *system {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(cfg.InFlight*2, 64)
	hc := &http.Client{Timeout: time.Minute, Transport: transport}
	return &system{cfg: cfg, api: apiclient.New(cfg.BaseURL, cfg.Token, hc), http: hc, stamp: fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffff)}
}
