package bench

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/triggers"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// interpreterFigure runs stepsEntry through the interpreter and through
// HandWritten, in turns, on a worker of its own in this process with the
// real activities, and compares the runs completed per second.
func (s *system) interpreterFigure(ctx context.Context) (Row, error) {
	st, err := store.Open(ctx, s.cfg.DatabaseURL)
	if err != nil {
		return Row{}, err
	}
	defer st.Close()
	e, err := entry.Decode([]byte(stepsEntry))
	if err != nil {
		return Row{}, fmt.Errorf("decoding the steps entry: %w", err)
	}
	e.Enabled, e.Version = true, 1
	queue := "ccflow-bench-" + s.stamp
	w := worker.New(s.cfg.Temporal, queue, worker.Options{})
	workflows.Register(w)
	w.RegisterWorkflowWithOptions(HandWritten, workflow.RegisterOptions{Name: HandWrittenWorkflow})
	activities.Register(w, &activities.Activities{
		Store:     st,
		Mailer:    outbox.NewMailer(s.cfg.OutboxDir),
		SMS:       outbox.NewSMSSender(s.cfg.OutboxDir),
		Signer:    tokens.NewSigner([]byte("bench-bench-bench-bench-bench-32")),
		PublicURL: "http://localhost:8080",
		From:      "bench@localhost",
		HTTP:      httpcall.New(netguard.New(), connections.Set{}),
		Log:       slog.New(slog.DiscardHandler),
	})
	if err := w.Start(); err != nil {
		return Row{}, fmt.Errorf("starting the benchmark's worker: %w", err)
	}
	defer w.Stop()

	if _, err := s.drain(ctx, "bench-start"); err != nil {
		return Row{}, err
	}
	s.say("interpreter and hand-written workflow, %d in flight, %s each in turns", s.cfg.InFlight, s.cfg.Phase)
	run := func(workflowType, kind string) op {
		return func(ctx context.Context, i int) error {
			ev := s.event("Bench Steps", kind, i)
			in := workflows.FollowUpInput{Entry: e, Event: ev, Trigger: triggers.Describe(e.Triggers[0])}
			opts := usecase.StartOptions(in, workflows.WorkflowID(e.ID, ev.InteractionID), queue)
			r, err := s.cfg.Temporal.ExecuteWorkflow(ctx, opts, workflowType, in)
			if err != nil {
				return err
			}
			return r.Get(ctx, nil)
		}
	}
	var next atomic.Int64
	ti, th := alternate(ctx, 2, s.cfg.Phase/2,
		func(d time.Duration) tally {
			return withCPU(s.cfg.Processes, func() tally {
				return closedLoop(ctx, s.cfg.InFlight, d, &next, run(workflows.FollowUpWorkflow, "interp"))
			})
		},
		func(d time.Duration) tally {
			return withCPU(s.cfg.Processes, func() tally { return closedLoop(ctx, s.cfg.InFlight, d, &next, run(HandWrittenWorkflow, "hand")) })
		})
	r := Row{Figure: fmt.Sprintf("interpreter: runs of 4 steps (variable, email, if, SMS) completed, %d in flight", s.cfg.InFlight),
		Value: perSecond(ti.rate()) + latencyText(ti), Reference: perSecond(th.rate()) + " hand-written Go",
		Goal: "≥ 0.9 of hand-written", Note: strings.TrimSpace(errText(ti) + " " + errText(th) + " interpreter " + ti.cpuText() + "; hand-written " + th.cpuText())}
	r.Ratio = ratio(ti.rate(), th.rate())
	r.Met = met(r.Ratio >= 0.9)
	return r, nil
}

// memoryFigures starts Sleeping runs that wait a day, waits until the
// worker has taken each to its wait, and reads the worker's memory; then
// times the state query of runs the worker still caches beside runs it has
// to replay.
func (s *system) memoryFigures(ctx context.Context) ([]Row, error) {
	e, err := s.createEntry(ctx, sleepEntry)
	if err != nil {
		return nil, err
	}
	idle, _, err := rss(s.cfg.Processes.Worker)
	if err != nil {
		return nil, err
	}
	s.say("starting %d runs that wait a day", s.cfg.Sleeping)
	started := counted(ctx, s.cfg.Sleeping, 32, func(ctx context.Context, i int) error {
		_, err := s.rawStart(ctx, e, s.event("Bench Sleep", "sleep", i))
		return err
	})
	if started.failed > 0 {
		return nil, fmt.Errorf("starting the sleeping runs: %s", errText(started))
	}
	s.say("started in %s (%.0f/s); waiting for the worker to take each to its wait", started.elapsed.Round(time.Second), started.rate())
	waiting, err := s.waitForWaiting(ctx, e.ID, s.cfg.Sleeping, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	time.Sleep(10 * time.Second) // let the collector and the scavenger settle
	now, peak, err := rss(s.cfg.Processes.Worker)
	if err != nil {
		return nil, err
	}
	mem := Row{Figure: fmt.Sprintf("worker RSS with %d sleeping runs", waiting),
		Value: fmt.Sprintf("%.0f MB (peak %.0f MB)", mb(now), mb(peak)), Reference: fmt.Sprintf("%.0f MB idle", mb(idle)),
		Goal: "≤ 150 MB"}
	mem.Met = met(mb(now) <= 150)

	// The runs started first are the ones a cache smaller than the number
	// of runs has evicted; the last ones are still cached.
	oldest, err := s.queryLatency(ctx, e, 1, 40)
	if err != nil {
		return nil, err
	}
	newest, err := s.queryLatency(ctx, e, s.cfg.Sleeping-39, 40)
	if err != nil {
		return nil, err
	}
	replay := Row{Figure: "state query of a sleeping run started first (replayed if evicted)",
		Value:     "p50 " + ms(oldest.percentile(50)) + ", max " + ms(oldest.percentile(100)),
		Reference: "p50 " + ms(newest.percentile(50)) + " started last (cached)"}
	replay.Ratio = ratio(float64(oldest.percentile(50)), float64(newest.percentile(50)))
	return []Row{mem, replay}, nil
}

// waitForWaiting waits until want runs of entry id show the wait as their
// current step, and returns how many do.
func (s *system) waitForWaiting(ctx context.Context, id string, want int, patience time.Duration) (int, error) {
	query := fmt.Sprintf("%s = %q AND %s = 'pause'", workflows.EntryIDAttr.GetName(), id, workflows.CurrentStepAttr.GetName())
	deadline := time.Now().Add(patience)
	last := time.Now()
	for {
		resp, err := s.cfg.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return 0, fmt.Errorf("counting the waiting runs: %w", err)
		}
		n := int(resp.GetCount())
		if n >= want || time.Now().After(deadline) || ctx.Err() != nil {
			return n, nil
		}
		if time.Since(last) > 10*time.Second {
			s.say("%d of %d runs waiting", n, want)
			last = time.Now()
		}
		time.Sleep(time.Second)
	}
}

// queryLatency times the state query of n sleeping runs from number first.
func (s *system) queryLatency(ctx context.Context, e entry.Entry, first, n int) (tally, error) {
	var t tally
	for i := first; i < first+n; i++ {
		id := workflows.WorkflowID(e.ID, s.event("Bench Sleep", "sleep", i).InteractionID)
		start := time.Now()
		_, err := s.cfg.Temporal.QueryWorkflowWithOptions(ctx, &client.QueryWorkflowWithOptionsRequest{WorkflowID: id, QueryType: workflows.StateQuery})
		if err != nil {
			return t, fmt.Errorf("querying %s: %w", id, err)
		}
		t.latencies = append(t.latencies, time.Since(start))
		t.ok++
	}
	return t, nil
}

// rss reads a process's resident memory now and at its peak, in bytes.
func rss(pid int) (now, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("reading the worker's memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak, sc.Err()
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
