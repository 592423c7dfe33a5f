package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/client/loadgen"
	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/triggers"
	"github.com/ccflow/ccflow/triggers/triggerstest"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// The entries the measurements add beside the examples. Each fires on an
// event of its own service, so an event matches exactly one of them.
const (
	startEntry = `{"id": "bench-start", "name": "Bench start", "service": "Bench",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [{"id": "mark", "type": "set_variable", "name": "bench", "value": "yes"}]}`
	sleepEntry = `{"id": "bench-sleep", "name": "Bench sleep", "service": "Bench Sleep",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [{"id": "pause", "type": "wait", "duration": "1d"}]}`
)

// Run measures every figure not skipped and returns the table's rows in
// the order of the table.
func Run(ctx context.Context, cfg Config) ([]Row, error) {
	s := newSystem(cfg)
	var rows []Row
	add := func(r ...Row) { rows = append(rows, r...) }
	skip := func(key string) bool {
		return cfg.Skip[key] || (len(cfg.Only) > 0 && !cfg.Only[key]) || ctx.Err() != nil
	}

	if !skip("index") {
		add(s.indexFigure())
	}
	if !skip("cel") {
		add(s.celFigure())
	}
	if !skip("simulation") {
		r, err := s.simulationFigures(ctx)
		if err != nil {
			return rows, fmt.Errorf("the simulation figures: %w", err)
		}
		add(r...)
	}
	if !skip("results") {
		r, err := s.resultsFigures(ctx)
		add(r...)
		if err != nil {
			return rows, fmt.Errorf("the results figures: %w", err)
		}
	}
	if skip("starts") && skip("interpreter") && skip("entries") && skip("memory") && skip("first-message") {
		return rows, ctx.Err() // none of the figures below
	}
	// The figures measure the machinery at any hour: the default policy
	// would hold every SMS in the night of the example customer's zone,
	// and the runs would wait for the morning. (Policy decisions are still
	// made and recorded on every send; BenchmarkTheSendGap in store
	// measures them alone.)
	if _, err := s.api.SetPolicy(ctx, []byte(`{"quiet_hours": {"sms": null, "email": null}}`)); err != nil {
		return rows, err
	}
	if _, err := entrysync.Apply(ctx, s.api, "examples/entries", entrysync.Options{}, io.Discard); err != nil {
		return rows, fmt.Errorf("applying the example entries: %w", err)
	}
	start, err := s.createEntry(ctx, startEntry)
	if err != nil {
		return rows, err
	}
	dry, err := s.dryRun(ctx, 1, cfg.Phase)
	if err != nil {
		return rows, err
	}
	if !skip("starts") {
		raw, ing := s.startsFigures(ctx, start)
		add(raw, ing)
		if !skip("rate") {
			add(s.rateFigure(ctx, raw))
		}
	}
	if !skip("first-message") {
		r, err := s.firstMessageFigures(ctx)
		add(r...)
		if err != nil {
			return rows, fmt.Errorf("the first-message figures: %w", err)
		}
	}
	if !skip("interpreter") {
		r, err := s.interpreterFigure(ctx)
		if err != nil {
			return rows, err
		}
		add(r)
	}
	if !skip("entries") {
		add(dry.row)
		r, err := s.manyEntriesFigure(ctx, dry)
		if err != nil {
			return rows, err
		}
		add(r)
	}
	if !skip("memory") {
		r, err := s.memoryFigures(ctx)
		if err != nil {
			return rows, err
		}
		add(r...)
	}
	return rows, ctx.Err()
}

// createEntry creates the entry of the JSON text def through the API, or
// replaces it when it exists, and returns it as stored.
func (s *system) createEntry(ctx context.Context, def string) (entry.Entry, error) {
	e, err := entry.Decode([]byte(def))
	if err != nil {
		return entry.Entry{}, fmt.Errorf("decoding a benchmark entry: %w", err)
	}
	e.Enabled = true
	created, err := s.api.CreateEntry(ctx, e)
	if err != nil {
		return entry.Entry{}, fmt.Errorf("creating entry %s: %w", e.ID, err)
	}
	return created, nil
}

// event is SPEC's example event for service with interaction id
// "bench-<stamp>-<kind>-<i>", without its case, so only entries of service
// fire on it (and, for the example service, the examples).
func (s *system) event(service, kind string, i int) interaction.Event {
	var ev interaction.Event
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		panic(fmt.Sprintf("the example event does not decode: %v", err))
	}
	ev.InteractionID = fmt.Sprintf("bench-%s-%s-%d", s.stamp, kind, i)
	if service != "" {
		ev.Service, ev.Case = service, nil
	}
	return ev
}

// rawStart starts the follow-up of e for ev straight through the SDK,
// with the options ingest starts it with.
func (s *system) rawStart(ctx context.Context, e entry.Entry, ev interaction.Event) (client.WorkflowRun, error) {
	in := workflows.FollowUpInput{Entry: e, Event: ev, Trigger: triggers.Describe(e.Triggers[0])}
	id := workflows.WorkflowID(e.ID, ev.InteractionID)
	return s.cfg.Temporal.ExecuteWorkflow(ctx, usecase.StartOptions(in, id, s.cfg.TaskQueue), workflows.FollowUpWorkflow, in)
}

// startsFigures measures raw SDK starts of the one-match entry's follow-up
// and POST /v1/interactions/ended of events matching only it, in turns.
func (s *system) startsFigures(ctx context.Context, start entry.Entry) (raw, ingest Row) {
	if _, err := s.drain(ctx, "bench-start"); err != nil {
		return Row{Note: err.Error()}, Row{Note: err.Error()}
	}
	s.say("raw SDK starts and ingest, %d in flight, %s each in turns", s.cfg.InFlight, s.cfg.Phase)
	var next atomic.Int64
	rawOp := func(ctx context.Context, i int) error {
		_, err := s.rawStart(ctx, start, s.event("Bench", "raw", i))
		return err
	}
	ingestOp := func(ctx context.Context, i int) error {
		res, err := s.ingest(ctx, s.event("Bench", "ingest", i), false)
		if err == nil && (len(res.Matches) != 1 || res.Matches[0].Status != interaction.StatusStarted) {
			err = fmt.Errorf("answer %+v, want one started match", res.Matches)
		}
		return err
	}
	// Each turn starts once the runs of the turn before have finished, so
	// neither pays for the other's: the time and CPU of a turn are its
	// starts and as much of their runs as the worker got through meanwhile.
	turn := func(fn op) func(time.Duration) tally {
		return func(d time.Duration) tally {
			if _, err := s.drain(ctx, "bench-start"); err != nil {
				return tally{failed: 1, firstErr: err}
			}
			return withCPU(s.cfg.Processes, func() tally { return closedLoop(ctx, s.cfg.InFlight, d, &next, fn) })
		}
	}
	tr, ti := alternate(ctx, 2, s.cfg.Phase/2, turn(rawOp), turn(ingestOp))
	s.rawRate = tr.rate()
	raw = Row{Figure: fmt.Sprintf("raw SDK starts of the follow-up, %d in flight", s.cfg.InFlight),
		Value: perSecond(tr.rate()), Goal: "(the reference)", Note: strings.TrimSpace(errText(tr) + " " + tr.cpuText())}
	ingest = Row{Figure: fmt.Sprintf("POST /v1/interactions/ended, one match, %d in flight", s.cfg.InFlight),
		Value: perSecond(ti.rate()) + latencyText(ti), Reference: perSecond(tr.rate()) + " raw",
		Goal: "≥ 0.9 of raw", Note: strings.TrimSpace(errText(ti) + " " + ti.cpuText())}
	ingest.Ratio = ratio(ti.rate(), tr.rate())
	ingest.Met = met(ingest.Ratio >= 0.9)
	return raw, ingest
}

// rateFigure sends one-match events open loop at the configured rate and
// reports what was sustained, beside the raw start rate of the same run.
func (s *system) rateFigure(ctx context.Context, raw Row) Row {
	n := int(s.cfg.Rate * s.cfg.RateFor.Seconds())
	s.say("%d events open loop at %g/s", n, s.cfg.Rate)
	template, _ := json.Marshal(s.event("Bench", "rate", 0))
	events, err := loadgen.NewEvents(template, "b"+s.stamp, n)
	row := Row{Figure: fmt.Sprintf("events/s sustained open loop (offered %g/s for %s)", s.cfg.Rate, s.cfg.RateFor),
		Reference: raw.Value + " raw", Goal: fmt.Sprintf("≥ %g/s", s.cfg.Rate)}
	if err != nil {
		row.Note = err.Error()
		return row
	}
	if _, err := s.drain(ctx, "bench-start"); err != nil {
		row.Note = err.Error()
		return row
	}
	before := sampleCPU(s.cfg.Processes)
	sum := loadgen.Run(ctx, events, loadgen.Config{Send: s.api.Ingest, Concurrency: 256, Rate: s.cfg.Rate, Progress: s.cfg.Progress, ProgressEvery: 5 * time.Second})
	// Sustained means the worker kept up too: the runs the events started
	// have all finished soon after the last event.
	drained, err := s.drain(ctx, "bench-start")
	row.Note = cpuPerEvent(before, sampleCPU(s.cfg.Processes), sum.Sent-sum.Failed())
	if err != nil {
		row.Note += "; " + err.Error()
	} else {
		row.Note += fmt.Sprintf("; every run it started had finished %s after the last answer", drained.Round(100*time.Millisecond))
	}
	// Sustained: every event answered, and on time: the last answer within
	// a second of the last intended send.
	got := float64(sum.Sent-sum.Failed()) / max(sum.Elapsed.Seconds(), s.cfg.RateFor.Seconds())
	row.Value = fmt.Sprintf("%s (p50 %s, p95 %s, p99 %s, max %s)", perSecond(got),
		ms(sum.Latency.P50), ms(sum.Latency.P95), ms(sum.Latency.P99), ms(sum.Latency.Max))
	row.Ratio = ratio(got, s.rawRate)
	row.Met = met(sum.Failed() == 0 && got >= 0.98*s.cfg.Rate && sum.Latency.P99 < time.Second && err == nil && drained < 5*time.Second)
	if f := sum.Failed(); f > 0 {
		row.Note = fmt.Sprintf("%d of %d failed; %s", f, sum.Sent, row.Note)
	}
	return row
}

// drain waits until no run of entry id is running (as Temporal's
// visibility sees it), and says how long that took.
func (s *system) drain(ctx context.Context, id string) (time.Duration, error) {
	start := time.Now()
	query := fmt.Sprintf("%s = %q AND ExecutionStatus = 'Running'", workflows.EntryIDAttr.GetName(), id)
	for {
		resp, err := s.cfg.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return 0, fmt.Errorf("counting the running runs: %w", err)
		}
		if resp.GetCount() == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("%d runs still running after 5 minutes", resp.GetCount())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dryRunResult is the dry-run rate with the example entries, which the
// many-entries figure is compared with.
type dryRunResult struct {
	row     Row
	t       tally
	entries int
}

// dryRun measures dry runs of SPEC's example event for d.
func (s *system) dryRun(ctx context.Context, round int, d time.Duration) (dryRunResult, error) {
	live, err := s.api.Entries(ctx)
	if err != nil {
		return dryRunResult{}, fmt.Errorf("listing entries: %w", err)
	}
	// Each measurement starts once the runs of the one before have
	// finished, so the CPU it splits is its own.
	if _, err := s.drain(ctx, "bench-start"); err != nil {
		return dryRunResult{}, err
	}
	s.say("dry runs with %d entries, %d in flight, %s", len(live), s.cfg.InFlight, d)
	var next atomic.Int64
	t := withCPU(s.cfg.Processes, func() tally {
		return closedLoop(ctx, s.cfg.InFlight, d, &next, func(ctx context.Context, i int) error {
			_, err := s.ingest(ctx, s.event("", fmt.Sprintf("dry%d", round), i), true)
			return err
		})
	})
	return dryRunResult{
		row: Row{Figure: fmt.Sprintf("dry-run ingest, the %d example and bench entries", len(live)),
			Value: perSecond(t.rate()) + latencyText(t), Goal: "(the reference)", Note: strings.TrimSpace(errText(t) + " " + t.cpuText())},
		t: t, entries: len(live),
	}, nil
}

// manyEntriesFigure adds ExtraEntries entries that match nothing (each with
// the seed entry's steps) and measures the dry run again.
func (s *system) manyEntriesFigure(ctx context.Context, ref dryRunResult) (Row, error) {
	data, err := os.ReadFile("examples/entries/post-call-survey.yaml")
	if err != nil {
		return Row{}, err
	}
	seed, err := entry.DecodeYAML(data)
	if err != nil {
		return Row{}, err
	}
	s.say("adding %d entries that match nothing", s.cfg.ExtraEntries)
	created := counted(ctx, s.cfg.ExtraEntries, 8, func(ctx context.Context, i int) error {
		e := seed
		e.ID, e.Name, e.Service = fmt.Sprintf("bench-other-%05d", i), fmt.Sprintf("Bench other %05d", i), fmt.Sprintf("Bench Other %05d", i)
		e.Triggers = []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Spam"}}
		_, err := s.api.CreateEntry(ctx, e)
		return err
	})
	if created.failed > 0 {
		return Row{}, fmt.Errorf("creating the extra entries: %s", errText(created))
	}
	many, err := s.dryRun(ctx, 2, s.cfg.Phase)
	if err != nil {
		return Row{}, err
	}
	r := Row{Figure: fmt.Sprintf("dry-run ingest with %d more entries (none matching)", s.cfg.ExtraEntries),
		Value: perSecond(many.t.rate()) + latencyText(many.t), Reference: perSecond(ref.t.rate()) + fmt.Sprintf(" with %d", ref.entries),
		Goal: "≥ 0.5 of the reference", Note: strings.TrimSpace(errText(many.t) + " " + many.t.cpuText())}
	r.Ratio = ratio(many.t.rate(), ref.t.rate())
	r.Met = met(r.Ratio >= 0.5)
	return r, nil
}

// celFigure times a condition evaluated again and again beside one
// evaluated for the first time (compiled), as a run's if step does.
func (s *system) celFigure() Row {
	s.say("CEL conditions")
	var ev interaction.Event
	_ = json.Unmarshal(examples.InteractionEnded, &ev)
	v := ev.Vars()
	v["survey.answered"], v["survey.score"] = true, 2
	const expr = "survey.answered && survey.score <= 2"
	again := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := conditions.Eval(expr, v); err != nil {
				b.Fatal(err)
			}
		}
	})
	var n int
	first := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			n++
			if _, err := conditions.Eval(expr+" || "+strconv.Itoa(n)+" == -1", v); err != nil {
				b.Fatal(err)
			}
		}
	})
	r := Row{Figure: "CEL condition evaluated again (same entry version)", Value: micros(again.NsPerOp()),
		Reference: micros(first.NsPerOp()) + " first evaluation", Goal: "compiled once: well below the first"}
	r.Ratio = ratio(float64(again.NsPerOp()), float64(first.NsPerOp()))
	r.Met = met(r.Ratio < 0.25)
	return r
}

// indexFigure times matching one event against a contact center's 10,000
// entries through the index, beside the linear scan it replaced.
func (s *system) indexFigure() Row {
	s.say("matching against 10,000 entries")
	entries, events := triggerstest.ContactCenter(10_000, 1024)
	ix := triggers.NewIndex(entries)
	buf := make([]triggers.Match, 0, 64)
	matched := 0
	for _, ev := range events {
		matched += len(ix.Find(ev, buf))
	}
	var i int
	indexed := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = ix.Find(events[i%len(events)], buf)
			i++
		}
	})
	linear := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			_ = triggers.Find(events[i%len(events)], entries)
			i++
		}
	})
	perSec := 1e9 / float64(indexed.NsPerOp())
	each := float64(matched) / float64(len(events))
	r := Row{Figure: "matching against 10,000 entries, one core",
		Value: fmt.Sprintf("%.0f matches/s (%.0f events/s, %.1f matches each), %d allocs",
			perSec*each, perSec, each, indexed.AllocsPerOp()),
		Reference: fmt.Sprintf("%.0f events/s linear scan", 1e9/float64(linear.NsPerOp())),
		Goal:      "≥ 1,000,000 matches/s, 0 allocs"}
	r.Ratio = ratio(perSec, 1e9/float64(linear.NsPerOp()))
	r.Met = met(perSec*each >= 1e6 && indexed.AllocsPerOp() == 0)
	return r
}

// Write prints rows as a table for a person.
func Write(w io.Writer, rows []Row) error {
	headers := []string{"figure", "measured", "reference (same run)", "ratio", "goal", "met"}
	cells := [][]string{headers}
	var notes []string
	for _, r := range rows {
		ratio := ""
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		cells = append(cells, []string{r.Figure, r.Value, r.Reference, ratio, r.Goal, r.Met})
		if r.Note != "" {
			notes = append(notes, r.Figure+": "+r.Note)
		}
	}
	width := make([]int, len(headers))
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for n, row := range cells {
		b.WriteString("|")
		for i, c := range row {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteString("\n")
		if n == 0 {
			b.WriteString("|")
			for i := range row {
				b.WriteString(strings.Repeat("-", width[i]+2) + "|")
			}
			b.WriteString("\n")
		}
	}
	for _, n := range notes {
		b.WriteString("note: " + n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func perSecond(r float64) string { return fmt.Sprintf("%.1f /s", r) }

func latencyText(t tally) string {
	return fmt.Sprintf(" (p50 %s, p99 %s)", ms(t.percentile(50)), ms(t.percentile(99)))
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}

func micros(ns int64) string { return fmt.Sprintf("%.1f µs", float64(ns)/1000) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
