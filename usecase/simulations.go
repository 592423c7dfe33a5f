package usecase

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/simulate"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// Simulations. A simulation runs an entry (a draft, or a saved one) on a
// virtual clock for one event, a list of events, or the interactions
// ccflow kept from a period (package simulate does the work). It runs as
// a job in the starter that took it: Simulate waits a moment for it and
// answers the result, or the job to poll when it takes longer.
//
// A simulation never blocks ingest: it runs on one goroutine of its own,
// one run after another, so it takes at most one core of the starter; at
// most SimulationSettings.MaxBatches simulations of many events and
// MaxSingles of one event run at once, and another past either limit is
// refused with a BusyError that says when to try again. It reads the store
// in batches, in read-only transactions that take no lock, and writes
// nothing.

// Limits of a simulation's input.
const (
	// MaxSimulationPeriod is the longest period of recorded interactions
	// a simulation replays.
	MaxSimulationPeriod = 31 * 24 * time.Hour
	// MaxSimulationEvents is the most events a simulation takes, posted
	// or recorded.
	MaxSimulationEvents = 100_000
)

// Defaults of SimulationSettings.
const (
	DefaultMaxBatchSimulations  = 1
	DefaultMaxSingleSimulations = 2
	DefaultSimulationWait       = 2 * time.Second
	// simulationKept is how long a finished simulation can be polled,
	// and simulationsKept how many finished ones are kept at most.
	simulationKept  = time.Hour
	simulationsKept = 50
)

// SimulationSettings are how a starter runs simulations.
type SimulationSettings struct {
	// DefaultTimeZone is CCFLOW_TIME_ZONE.
	DefaultTimeZone string
	// PublicURL is CCFLOW_PUBLIC_URL: the base of the survey links a
	// simulation shows (which lead nowhere).
	PublicURL string
	// MaxBatches is how many simulations of many events (a period, or a
	// list of more than one) run at once; MaxSingles, of one event. Zero
	// means DefaultMaxBatchSimulations and DefaultMaxSingleSimulations.
	MaxBatches, MaxSingles int
	// Wait is how long Simulate waits for a simulation before it answers
	// with the job to poll; zero means DefaultSimulationWait.
	Wait time.Duration
}

// SimulationRequest is one simulation: the entry, the events, what the
// customers do and the policy.
type SimulationRequest struct {
	// Entry is a draft, checked as CreateEntry checks it; EntryID names a
	// saved entry instead. Exactly one is given.
	Entry   *entry.Entry
	EntryID string
	// Event, Events or Recorded, exactly one, are the interactions to
	// simulate.
	Event    *interaction.Event
	Events   []interaction.Event
	Recorded *SimulationPeriod
	// Answer is the answer every survey gets, After its message went; nil:
	// none is answered.
	Answer *SimulatedAnswer
	// Undelivered: every SMS is reported undelivered.
	Undelivered bool
	// Policy overrides the contact policy in force (a whole document, as
	// PUT /v1/policy takes it); nil: the policy in force.
	Policy *policy.Policy
	// Now is when Event ended, and Events without ended_at (default: the
	// present). A recorded interaction ended when it ended.
	Now *time.Time
}

// SimulationPeriod is a period of recorded interactions, From included, To
// not.
type SimulationPeriod struct {
	From time.Time
	To   time.Time
}

// SimulatedAnswer is a customer's survey answer.
type SimulatedAnswer struct {
	Score int
	After time.Duration
}

// What a simulation job is at.
const (
	SimulationRunning = "running"
	SimulationDone    = "done"
	SimulationFailed  = "failed"
)

// Simulation is a simulation job: where it is and, once done, its result.
type Simulation struct {
	ID        string             `json:"id"`
	Status    string             `json:"status"`
	Progress  SimulationProgress `json:"progress"`
	StartedAt time.Time          `json:"started_at"`
	EndedAt   *time.Time         `json:"ended_at,omitempty"`
	// Error says why a failed simulation stopped.
	Error  string           `json:"error,omitempty"`
	Result *simulate.Result `json:"result,omitempty"`
}

// SimulationProgress is how many of a simulation's events are done.
type SimulationProgress struct {
	Events int `json:"events"`
	Total  int `json:"total"`
}

// ErrBusy: as many simulations as the starter runs at once are running.
var ErrBusy = errors.New("too many simulations running")

// BusyError is ErrBusy with when to try again.
type BusyError struct {
	RetryAfter time.Duration
	Message    string
}

func (e *BusyError) Error() string { return e.Message }

func (e *BusyError) Unwrap() error { return ErrBusy }

// simulations are the jobs of a Service.
type simulations struct {
	mu      sync.Mutex
	jobs    map[string]*simulationJob
	running map[lane]int
}

// lane is the kind of simulation a limit counts.
type lane int

const (
	singleLane lane = iota
	batchLane
)

type simulationJob struct {
	lane  lane
	mu    sync.Mutex
	view  Simulation
	err   error // why it failed
	began time.Time
	done  chan struct{}
}

func (j *simulationJob) snapshot() Simulation {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.view
}

// Simulate checks req, starts its simulation and waits for it up to
// SimulationSettings.Wait: the simulation is done (its Result set), or
// still running (poll it with SimulationJob). Bad input is a validation
// error naming the field (entry.steps[2].duration, recorded.to, …); a
// starter running its limit of simulations answers a BusyError; a
// simulation that failed within the wait (the store did not answer), the
// error it failed with.
func (s *Service) Simulate(ctx context.Context, req SimulationRequest) (Simulation, error) {
	job, err := s.prepareSimulation(ctx, req)
	if err != nil {
		return Simulation{}, err
	}
	j, err := s.startSimulation(job)
	if err != nil {
		return Simulation{}, err
	}
	timer := time.NewTimer(cmp.Or(s.Simulation.Wait, DefaultSimulationWait))
	defer timer.Stop()
	select {
	case <-j.done:
	case <-timer.C:
	case <-ctx.Done():
	}
	view := j.snapshot()
	if view.Status == SimulationFailed {
		return view, j.failure()
	}
	return view, nil
}

func (j *simulationJob) failure() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// SimulationJob returns the simulation id this starter runs or ran;
// ErrNotFound when it knows none (another starter's, or one finished more
// than an hour ago).
func (s *Service) SimulationJob(_ context.Context, id string) (Simulation, error) {
	s.sim.mu.Lock()
	j := s.sim.jobs[id]
	s.sim.mu.Unlock()
	if j == nil {
		return Simulation{}, fmt.Errorf("simulation %q (one of this starter's, finished within the hour): %w", id, ErrNotFound)
	}
	return j.snapshot(), nil
}

// preparedSimulation is a checked request, ready to run.
type preparedSimulation struct {
	input  simulate.Input
	lane   lane
	policy policy.Policy
}

// prepareSimulation checks req, naming the field at fault, and reads what
// it names: the saved entry, the policy, the period's count.
func (s *Service) prepareSimulation(ctx context.Context, req SimulationRequest) (preparedSimulation, error) {
	var errs validation.Errors
	var p preparedSimulation
	e, err := s.simulatedEntry(ctx, req)
	if err != nil {
		if validation.First(err) == nil {
			return p, err
		}
		errs = append(errs, fieldErrors(err)...)
	}
	now := time.Now()
	if req.Now != nil {
		now = *req.Now
	}
	given := 0
	for _, set := range []bool{req.Event != nil, len(req.Events) > 0, req.Recorded != nil} {
		if set {
			given++
		}
	}
	switch {
	case given == 0:
		errs = append(errs, validation.Errorf("event", "give the interaction to simulate: event, events or recorded"))
	case given > 1:
		errs = append(errs, validation.Errorf("event", "give one of event, events and recorded, not several"))
	case req.Event != nil:
		if err := req.Event.Validate(); err != nil {
			errs = append(errs, prefixed("event", err)...)
		}
		p.input.Events = simulate.List([]simulate.Event{{Event: *req.Event, At: now}})
	case len(req.Events) > 0:
		if len(req.Events) > MaxSimulationEvents {
			errs = append(errs, validation.Errorf("events", "%d events are more than the %d a simulation takes", len(req.Events), MaxSimulationEvents))
			break
		}
		list := make([]simulate.Event, len(req.Events))
		for i, ev := range req.Events {
			if err := ev.Validate(); err != nil {
				errs = append(errs, prefixed(fmt.Sprintf("events[%d]", i), err)...)
			}
			list[i] = simulate.Event{Event: ev, At: now}
			if ev.EndedAt != nil {
				list[i].At = *ev.EndedAt
			}
		}
		p.input.Events = simulate.List(list)
		if len(list) > 1 {
			p.lane = batchLane
		}
	default:
		p.lane = batchLane
		events, fe := s.recordedEvents(ctx, req)
		if fe != nil {
			if validation.First(fe) == nil {
				return p, fe
			}
			errs = append(errs, fieldErrors(fe)...)
		}
		p.input.Events = events
	}
	if a := req.Answer; a != nil {
		// On the entry's widest scale: where it has surveys on both, a
		// survey on 1-5 refuses a 0 as a real run's would, and the
		// timeline says so.
		if err := (workflows.SurveyAnswer{Score: a.Score}).Check(e.WidestScale()); err != nil {
			errs = append(errs, prefixed("customer.answers", err)...)
		}
		if a.After < 0 {
			errs = append(errs, validation.Errorf("customer.answers.after", "must not be negative"))
		}
		p.input.Customer.Answer = &simulate.Answer{Score: a.Score, After: a.After}
	}
	p.input.Customer.Undelivered = req.Undelivered
	if req.Policy != nil {
		pol := *req.Policy
		pol.Normalize()
		if err := pol.Validate(); err != nil {
			errs = append(errs, prefixed("policy", err)...)
		}
		p.policy = pol
	} else if len(errs) == 0 {
		if p.policy, err = s.Policy(ctx); err != nil {
			return p, err
		}
	}
	if len(errs) > 0 {
		return p, errs
	}
	p.input.Entry, p.input.Policy = e, p.policy
	return p, nil
}

// simulatedEntry is the draft req carries, checked as the entry API
// checks one, or the saved entry it names.
func (s *Service) simulatedEntry(ctx context.Context, req SimulationRequest) (entry.Entry, error) {
	switch {
	case req.Entry != nil && req.EntryID != "":
		return entry.Entry{}, validation.Errorf("entry_id", "give entry (a draft) or entry_id, not both")
	case req.Entry != nil:
		e := *req.Entry
		if err := s.checkEntry(ctx, &e); err != nil {
			if validation.First(err) == nil {
				return entry.Entry{}, err
			}
			return entry.Entry{}, prefixed("entry", err)
		}
		return e, nil
	case req.EntryID != "":
		e, err := s.Store.Entry(ctx, req.EntryID)
		if errors.Is(err, ErrNotFound) {
			return entry.Entry{}, validation.Errorf("entry_id", "there is no entry %q", req.EntryID)
		}
		return e, err
	}
	return entry.Entry{}, validation.Errorf("entry", "give the entry to simulate: entry (a draft) or entry_id")
}

// recordedEvents checks req's period and counts its interactions.
func (s *Service) recordedEvents(ctx context.Context, req SimulationRequest) (simulate.Events, error) {
	r := req.Recorded
	var errs validation.Errors
	if req.Now != nil {
		errs = append(errs, validation.Errorf("now", "is not taken with recorded: each interaction is replayed when it ended"))
	}
	switch {
	case r.From.IsZero():
		errs = append(errs, validation.Errorf("recorded.from", "is required (an RFC 3339 time)"))
	case r.To.IsZero():
		errs = append(errs, validation.Errorf("recorded.to", "is required (an RFC 3339 time)"))
	case !r.To.After(r.From):
		errs = append(errs, validation.Errorf("recorded.to", "must be after recorded.from"))
	case r.To.Sub(r.From) > MaxSimulationPeriod:
		errs = append(errs, validation.Errorf("recorded.to", "the period is %s long, longer than the 31 days a simulation replays",
			r.To.Sub(r.From).Round(time.Hour)))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	n, err := s.Store.CountRecordedInteractions(ctx, r.From, r.To, MaxSimulationEvents+1)
	if err != nil {
		return nil, classify(err)
	}
	if n > MaxSimulationEvents {
		return nil, validation.Errorf("recorded", "the period holds more than the %d interactions a simulation takes: choose a shorter one",
			MaxSimulationEvents)
	}
	return &recordedEvents{s: s, from: r.From, to: r.To, total: n}, nil
}

// recordedEvents reads a period of recorded interactions a page at a
// time, in the order they ended.
type recordedEvents struct {
	s        *Service
	from, to time.Time
	total    int
	after    store.RecordedAfter
}

func (r *recordedEvents) Total() int { return r.total }

func (r *recordedEvents) Next(ctx context.Context, max int) ([]simulate.Event, error) {
	rows, err := r.s.Store.RecordedInteractions(ctx, r.from, r.to, r.after, max)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]simulate.Event, 0, len(rows))
	for _, row := range rows {
		ev, err := r.s.openEvent(row.Event)
		if err != nil {
			return nil, fmt.Errorf("interaction %s: %w", row.InteractionID, err)
		}
		out = append(out, simulate.Event{Event: ev, At: row.EndedAt})
	}
	if len(rows) > 0 {
		last := rows[len(rows)-1]
		r.after = store.RecordedAfter{EndedAt: last.EndedAt, InteractionID: last.InteractionID}
	}
	return out, nil
}

// startSimulation starts the job on a goroutine of its own, when its lane
// has room.
func (s *Service) startSimulation(p preparedSimulation) (*simulationJob, error) {
	id, err := simulationID()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	j := &simulationJob{lane: p.lane, began: now, done: make(chan struct{}),
		view: Simulation{ID: id, Status: SimulationRunning, StartedAt: now.UTC(), Progress: SimulationProgress{Total: p.input.Events.Total()}}}
	s.sim.mu.Lock()
	if s.sim.jobs == nil {
		s.sim.jobs, s.sim.running = map[string]*simulationJob{}, map[lane]int{}
	}
	limit := cmp.Or(s.Simulation.MaxSingles, DefaultMaxSingleSimulations)
	if p.lane == batchLane {
		limit = cmp.Or(s.Simulation.MaxBatches, DefaultMaxBatchSimulations)
	}
	if s.sim.running[p.lane] >= limit {
		busy := s.busy(p.lane, limit)
		s.sim.mu.Unlock()
		return nil, busy
	}
	s.sim.running[p.lane]++
	s.sim.forgetOld(now)
	s.sim.jobs[id] = j
	s.sim.mu.Unlock()

	p.input.Progress = func(done, total int) {
		j.mu.Lock()
		j.view.Progress = SimulationProgress{Events: done, Total: total}
		j.mu.Unlock()
	}
	go s.runSimulation(j, p)
	return j, nil
}

// busy says when a lane at its limit will likely have room: when its
// job that is furthest along should end, judged by its pace so far.
// Called with s.sim.mu held.
func (s *Service) busy(l lane, limit int) *BusyError {
	wait := time.Second
	if l == batchLane {
		wait = 0
		for _, j := range s.sim.jobs {
			if j.lane != batchLane {
				continue
			}
			v := j.snapshot()
			if v.Status != SimulationRunning {
				continue
			}
			left := 10 * time.Second
			if v.Progress.Events > 0 {
				spent := time.Since(j.began)
				left = time.Duration(float64(spent) * float64(v.Progress.Total-v.Progress.Events) / float64(v.Progress.Events))
			}
			if wait == 0 || left < wait {
				wait = left
			}
		}
		wait = min(max(wait, time.Second), time.Minute)
	}
	what := "of one event"
	if l == batchLane {
		what = "of many events"
	}
	return &BusyError{RetryAfter: wait.Round(time.Second),
		Message: fmt.Sprintf("%d simulations %s run at once and %d are running: try again in %s", limit, what, limit, wait.Round(time.Second))}
}

// forgetOld drops the finished jobs older than simulationKept, and the
// oldest finished past simulationsKept. Called with s.sim.mu held.
func (sim *simulations) forgetOld(now time.Time) {
	var finished []*simulationJob
	for id, j := range sim.jobs {
		v := j.snapshot()
		if v.EndedAt == nil {
			continue
		}
		if now.Sub(*v.EndedAt) > simulationKept {
			delete(sim.jobs, id)
			continue
		}
		finished = append(finished, j)
	}
	for len(finished) >= simulationsKept {
		oldest := 0
		for i, j := range finished {
			if j.snapshot().EndedAt.Before(*finished[oldest].snapshot().EndedAt) {
				oldest = i
			}
		}
		delete(sim.jobs, finished[oldest].snapshot().ID)
		finished = append(finished[:oldest], finished[oldest+1:]...)
	}
}

// runSimulation runs the job to its end.
func (s *Service) runSimulation(j *simulationJob, p preparedSimulation) {
	defer close(j.done)
	defer func() {
		s.sim.mu.Lock()
		s.sim.running[j.lane]--
		s.sim.mu.Unlock()
	}()
	ctx := context.Background()
	engine := simulate.New(simulate.Config{History: storeHistory{s.Store}, Addresses: s.keys().Addresses,
		DefaultTimeZone: s.Simulation.DefaultTimeZone, PublicURL: s.Simulation.PublicURL, Log: s.logger()})
	res, err := engine.Simulate(ctx, p.input)
	ended := time.Now().UTC()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.view.EndedAt = &ended
	if err != nil {
		j.err = err
		j.view.Status, j.view.Error = SimulationFailed, err.Error()
		s.logger().Warn("simulation failed", slog.String("simulation", j.view.ID), slog.Any("error", err))
		return
	}
	j.view.Status, j.view.Result = SimulationDone, &res
	j.view.Progress.Events = res.Totals.Events
	s.logger().Info("simulation done", slog.String("simulation", j.view.ID), slog.String("entry", p.input.Entry.ID),
		slog.Int("events", res.Totals.Events), slog.Int("runs", res.Totals.Runs), slog.Duration("took", ended.Sub(j.began)))
}

func simulationID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("drawing a simulation id: %w", err)
	}
	return "sim_" + hex.EncodeToString(b), nil
}

// prefixed puts the problems of a nested input under path: "steps[2]"
// under "entry" is "entry.steps[2]".
func prefixed(path string, err error) validation.Errors {
	var out validation.Errors
	for _, fe := range fieldErrors(err) {
		out = append(out, &validation.FieldError{Path: validation.Join(path, fe.Path), Message: fe.Message})
	}
	return out
}

// fieldErrors are the field problems in err.
func fieldErrors(err error) validation.Errors {
	var all validation.Errors
	if errors.As(err, &all) {
		return all
	}
	if fe := validation.First(err); fe != nil {
		return validation.Errors{fe}
	}
	return nil
}

// storeHistory is the store read as a simulation's History.
type storeHistory struct{ st *store.Store }

func (h storeHistory) ContactFacts(ctx context.Context, q simulate.FactsQuery) (simulate.Facts, error) {
	f, err := h.st.ContactFacts(ctx, store.ContactFactsQuery{AddressHashes: q.AddressHashes, CustomerKeys: q.CustomerKeys,
		CustomerIDs: q.CustomerIDs, Since: q.Since})
	if err != nil {
		return simulate.Facts{}, classify(err)
	}
	out := simulate.Facts{
		OptOuts:      make([]simulate.OptOut, len(f.OptOuts)),
		Sends:        make([]simulate.Sent, len(f.Sends)),
		Interactions: make([]simulate.Interaction, len(f.Interactions)),
	}
	for i, o := range f.OptOuts {
		out.OptOuts[i] = simulate.OptOut{Channel: o.Channel, AddressHash: o.AddressHash}
	}
	for i, sf := range f.Sends {
		out.Sends[i] = simulate.Sent{Key: sf.Key, WorkflowID: sf.WorkflowID, CustomerKey: sf.CustomerKey, Channel: sf.Channel,
			EntryID: sf.EntryID, Survey: sf.Survey, At: sf.DecidedAt}
	}
	for i, it := range f.Interactions {
		out.Interactions[i] = simulate.Interaction{CustomerID: it.CustomerID, InteractionID: it.InteractionID, At: it.ReceivedAt}
	}
	return out, nil
}
