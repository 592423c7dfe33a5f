package simulate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/triggers"
	"github.com/ccflow/ccflow/workflows"
)

// Config is what an Engine needs.
type Config struct {
	// History reads the store's opt-outs and contact history; it never
	// writes.
	History History
	// Addresses hashes addresses as opt-outs and deliveries are kept
	// under (the link keys' hasher).
	Addresses *policy.AddressHasher
	// DefaultTimeZone is CCFLOW_TIME_ZONE: the zone of customers for whom
	// neither the customer, the service nor the policy names one.
	DefaultTimeZone string
	// PublicURL is CCFLOW_PUBLIC_URL, the base of the links surveys open.
	PublicURL string
	// Batch is how many events are simulated per read of the store's
	// facts; zero means DefaultBatch.
	Batch int
	// KeepRuns is how many runs' timelines a Result holds; zero means
	// DefaultKeepRuns.
	KeepRuns int
	// Log is for what goes wrong; nil means slog.Default.
	Log *slog.Logger
}

// Defaults of Config.
const (
	DefaultBatch    = 256
	DefaultKeepRuns = 100
)

// Engine simulates the runs of an entry.
type Engine struct {
	cfg Config
}

// New returns an Engine.
func New(cfg Config) *Engine {
	cfg.Batch = cmp.Or(cfg.Batch, DefaultBatch)
	cfg.KeepRuns = cmp.Or(cfg.KeepRuns, DefaultKeepRuns)
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Engine{cfg: cfg}
}

// Customer is what the simulated customers do.
type Customer struct {
	// Answer is the answer every survey gets; nil: no survey is answered.
	Answer *Answer
	// Undelivered: every SMS is reported undelivered (Twilio's 30003),
	// else delivered.
	Undelivered bool
}

// Answer is a survey answer, After the survey's message went.
type Answer struct {
	Score int
	After time.Duration
}

// Event is one ended interaction to simulate, ended At: its runs start
// then.
type Event struct {
	Event interaction.Event
	At    time.Time
}

// Events are the events of a simulation, in the order they ended, read a
// batch at a time, so that a long period never sits in memory whole.
type Events interface {
	// Total is how many there are, for progress.
	Total() int
	// Next returns up to max of the events not yet read; none at the end.
	Next(ctx context.Context, max int) ([]Event, error)
}

// List is the Events of a list in memory, sorted by when they ended.
func List(events []Event) Events {
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b Event) int { return a.At.Compare(b.At) })
	return &list{events: sorted}
}

type list struct {
	events []Event
	next   int
}

func (l *list) Total() int { return len(l.events) }

func (l *list) Next(_ context.Context, max int) ([]Event, error) {
	end := min(l.next+max, len(l.events))
	out := l.events[l.next:end]
	l.next = end
	return out, nil
}

// Input is one simulation.
type Input struct {
	// Entry is the entry to simulate, validated: a draft or a saved
	// version. A disabled entry is simulated as if it were enabled.
	Entry entry.Entry
	// Policy is the contact policy the sends are decided by.
	Policy   policy.Policy
	Customer Customer
	Events   Events
	// Progress, when set, is told after each batch how many events are
	// done out of how many.
	Progress func(done, total int)
}

// Simulate runs the entry for each of in's events it matches, one run
// after another on the calling goroutine, and returns the timelines of
// the first runs and the totals of all. An error means the simulation
// could not go on (the store did not answer, ctx ended); a run that fails
// is a run's result.
func (e *Engine) Simulate(ctx context.Context, in Input) (Result, error) {
	on := in.Entry
	on.Enabled = true // a draft is simulated as if it were switched on
	loc, zone := in.Policy.Zone("", "", e.cfg.DefaultTimeZone)
	sum := newTotals(loc, zone)
	l := newLedger(e.cfg.History, in.Policy, e.cfg.Addresses)
	res := Result{Runs: []Run{}}
	if all, ok := in.Events.(*list); ok {
		// Every run sees the later interactions of its customer.
		for _, ev := range all.events {
			l.interacted(customerID(ev.Event), ev.Event.InteractionID, ev.At)
		}
	}
	total := in.Events.Total()
	for {
		batch, err := in.Events.Next(ctx, e.cfg.Batch)
		if err != nil {
			return res, err
		}
		if len(batch) == 0 {
			break
		}
		if err := e.prepare(ctx, l, batch, in.Events); err != nil {
			return res, err
		}
		for _, ev := range batch {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			sum.Events++
			matches := triggers.Find(ev.Event, []entry.Entry{on})
			if len(matches) == 0 {
				continue
			}
			sum.Matched++
			if !entry.Sampled(on, customerID(ev.Event), ev.Event.InteractionID) {
				sum.SampledOut++
				continue
			}
			run, err := e.run(ctx, &in, matches[0], ev, l, sum)
			if err != nil {
				return res, err
			}
			sum.ended(run.Ended)
			if len(res.Runs) < e.cfg.KeepRuns {
				res.Runs = append(res.Runs, run)
			} else {
				res.RunsLeftOut++
			}
		}
		if in.Progress != nil {
			in.Progress(sum.Events, total)
		}
	}
	res.Totals = sum.done()
	return res, nil
}

// prepare readies the ledger for a batch: it forgets what no run of the
// batch counts and reads the batch's recipients from the store.
func (e *Engine) prepare(ctx context.Context, l *ledger, batch []Event, src Events) error {
	l.reset(batch[0].At)
	if _, ok := src.(*list); !ok {
		l.forget(batch[0].At)
		for _, ev := range batch {
			l.interacted(customerID(ev.Event), ev.Event.InteractionID, ev.At)
		}
	}
	var rs []recipient
	for _, ev := range batch {
		c := ev.Event.Customer
		if c == nil {
			continue
		}
		for channel, address := range map[string]string{workflows.ChannelEmail: c.Email, workflows.ChannelSMS: c.Phone} {
			if r, ok := l.recipientOf(channel, address, true, c.ID); ok {
				rs = append(rs, r)
			}
		}
	}
	return l.read(ctx, rs)
}

func customerID(ev interaction.Event) string {
	if ev.Customer == nil {
		return ""
	}
	return ev.Customer.ID
}

// runSim is one simulated run: its test environment, its twins and what
// they recorded.
type runSim struct {
	engine *Engine
	in     *Input
	// ctx is the simulation's: the twins read the store under it.
	ctx    context.Context
	ledger *ledger
	totals *totals
	env    *testsuite.TestWorkflowEnvironment
	start  time.Time
	byName map[string]twin
	// previews are the messages and requests of the run's steps, by step
	// id; notes are what the simulation saw that the run's own timeline
	// cannot (an answer the run refused).
	previews map[string]string
	notes    []Step
}

// taskQueue is the task queue a simulated run says it runs on.
const taskQueue = "ccflow-simulation"

// run simulates the run of the match for ev.
func (e *Engine) run(ctx context.Context, in *Input, m triggers.Match, ev Event, l *ledger, sum *totals) (Run, error) {
	workflowID := workflows.WorkflowID(m.Entry.ID, ev.Event.InteractionID)
	r := &runSim{engine: e, in: in, ctx: ctx, ledger: l, totals: sum, start: ev.At, previews: map[string]string{}}
	r.byName = r.twins()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	r.env = env
	env.SetStartTime(ev.At)
	// No run timeout: its timer would outlive the run (see the package
	// comment), and a follow-up always ends.
	env.SetWorkflowRunTimeout(0)
	env.SetTestTimeout(time.Minute)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID, TaskQueue: taskQueue})
	// The twins run in the workflow's coroutine, and a send may read a
	// recipient from the store there (factsTimeout).
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&twinInterceptor{run: r}},
		DeadlockDetectionTimeout: 2 * factsTimeout})
	workflows.Register(env)
	if m.Entry.CancelOnNewInteraction {
		// As ingest signals a customer's runs when they contact again.
		if next, ok := l.nextInteraction(customerID(ev.Event), ev.Event.InteractionID, ev.At, time.Time{}); ok {
			env.RegisterDelayedCallback(func() {
				env.SignalWorkflow(workflows.CustomerContactedAgainSignal, workflows.CustomerContactedAgain{InteractionID: next.InteractionID})
			}, next.At.Sub(ev.At))
		}
	}
	run := Run{EntryID: m.Entry.ID, InteractionID: ev.Event.InteractionID, WorkflowID: workflowID, StartedAt: ev.At}
	if err := execute(env, workflows.FollowUpInput{Entry: m.Entry, Event: ev.Event, Trigger: m.Reason}); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return run, cerr
		}
		return run, fmt.Errorf("simulating the run of entry %s for interaction %s: %w", m.Entry.ID, ev.Event.InteractionID, err)
	}
	var tl workflows.Timeline
	v, err := env.QueryWorkflow(workflows.TimelineQuery)
	if err == nil {
		err = v.Get(&tl)
	}
	if err != nil {
		return run, fmt.Errorf("reading the timeline of the run of entry %s for interaction %s: %w", m.Entry.ID, ev.Event.InteractionID, err)
	}
	run.Timeline = r.timeline(tl)
	switch {
	case tl.Ended != nil:
		run.Ended = Ended{At: tl.Ended.At, Status: tl.Ended.Status, Reason: tl.Ended.Reason}
	default:
		// The run failed before its steps could say how (a workflow bug).
		run.Ended = Ended{At: env.Now(), Status: workflows.StatusFailed, Reason: fmt.Sprint(env.GetWorkflowError())}
	}
	return run, nil
}

// execute runs the workflow to its end; the test environment panics
// when it cannot (a run that never ends), which is an error here.
func execute(env *testsuite.TestWorkflowEnvironment, in workflows.FollowUpInput) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the simulated run did not end: %v", p)
		}
	}()
	env.ExecuteWorkflow(workflows.FollowUpWorkflow, in)
	if !env.IsWorkflowCompleted() {
		return errors.New("the simulated run did not end")
	}
	return nil
}

// timeline is the run's timeline with the previews of its messages and
// what the simulation noted, in the order it happened.
func (r *runSim) timeline(tl workflows.Timeline) []Step {
	out := make([]Step, 0, len(tl.Entries)+len(r.notes))
	for _, t := range tl.Entries {
		s := Step{At: t.At, StepID: t.StepID, Kind: t.Kind, Channel: t.Channel, To: t.To, Reason: t.Reason}
		switch t.Kind {
		case KindSent, KindHeld, KindSkipped:
			s.Preview = r.previews[t.StepID]
		}
		out = append(out, s)
	}
	out = append(out, r.notes...)
	slices.SortStableFunc(out, func(a, b Step) int { return a.At.Compare(b.At) })
	return out
}

// answer gives the run the customer's answer through the survey-answer
// update, as the survey page does.
func (r *runSim) answer(stepID string, a workflows.SurveyAnswer) {
	at := r.env.Now()
	r.env.UpdateWorkflow(workflows.SurveyAnswerUpdate, "simulated-answer/"+stepID, &testsuite.TestUpdateCallback{
		OnAccept: func() { r.totals.Surveys.Answered++ },
		OnReject: func(err error) {
			r.notes = append(r.notes, Step{At: at, StepID: stepID, Kind: KindEvent,
				Reason: fmt.Sprintf("the customer's answer (%d) was refused: the run no longer waited for it", a.Score)})
		},
		OnComplete: func(any, error) {},
	}, a)
}

// call runs the twin of the activity name with args, at the workflow's
// now, and answers its result as an activity's payloads.
func (r *runSim) call(ctx workflow.Context, name string, args []any) (*commonpb.Payloads, error) {
	t, ok := r.byName[name]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("activity %s: %v", name, errNoTwin), workflows.ErrTypeInvalidInput, errNoTwin)
	}
	in, err := converter.GetDefaultDataConverter().ToPayloads(args...)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("encoding the input of activity "+name+": "+err.Error(), workflows.ErrTypeInvalidInput, err)
	}
	return t(context.WithValue(r.ctx, nowKey{}, workflow.Now(ctx)), in)
}

type nowKey struct{}

// nowOf is the workflow's now when the twin was called.
func nowOf(ctx context.Context) time.Time {
	t, _ := ctx.Value(nowKey{}).(time.Time)
	return t
}

// twinInterceptor answers a run's activities with its twins.
type twinInterceptor struct {
	interceptor.WorkerInterceptorBase
	run *runSim
}

func (i *twinInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &twinInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, run: i.run}
}

type twinInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	run *runSim
}

func (i *twinInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&twinOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, run: i.run})
}

type twinOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	run *runSim
}

// ExecuteActivity answers the activity with its twin's result at once:
// nothing is scheduled.
func (o *twinOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	set.Set(o.run.call(ctx, activityType, args))
	return f
}

// ExecuteLocalActivity fails: a follow-up runs no local activity, and a
// simulation none it has no twin of.
func (o *twinOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, _ ...any) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	set.SetError(temporal.NewNonRetryableApplicationError(fmt.Sprintf("local activity %s: %v", activityType, errNoTwin), workflows.ErrTypeInvalidInput, errNoTwin))
	return f
}
