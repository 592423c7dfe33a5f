package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"
)

// thread is one line of steps of a run: its main steps, or the steps of an
// event that fired, which run beside them. Each says which step it is at
// and what it is doing; the run's State and current details show them all.
type thread struct {
	event   string // "" for the main steps
	step    string
	details string
	// shown is details as the Web UI's current details show them: without
	// values a run renders from the customer's data (see setDetailsShown).
	shown string
	// done is set once the main steps are done and the run only waits for
	// its events.
	done bool
	// durable is set while the thread waits at its step on something that
	// may last (see waitDurably).
	durable bool
}

type threadKey struct{}

// withThread makes ctx the context of t's steps.
func withThread(ctx workflow.Context, t *thread) workflow.Context {
	return workflow.WithValue(ctx, threadKey{}, t)
}

// thread is the thread whose steps ctx belongs to.
func (r *run) thread(ctx workflow.Context) *thread {
	if t, ok := ctx.Value(threadKey{}).(*thread); ok {
		return t
	}
	return r.main
}

// setStep records the step the thread of ctx has reached.
func (r *run) setStep(ctx workflow.Context, stepID string) {
	r.thread(ctx).step = stepID
	r.show(ctx)
}

// setDetails says in words what the thread of ctx is doing. text must
// carry no customer data: Temporal's Web UI shows it to operators.
func (r *run) setDetails(ctx workflow.Context, text string) {
	r.setDetailsShown(ctx, text, text)
}

// setDetailsShown says what the thread of ctx is doing: text in State,
// which the API shows to callers with its token, and shown in the Web UI's
// current details, which must not name the customer (SPEC, Operations).
// A step that renders templates into what it does (an http_request's URL)
// passes its text rendered and shown from the entry's templates.
func (r *run) setDetailsShown(ctx workflow.Context, text, shown string) {
	t := r.thread(ctx)
	t.details, t.shown = text, shown
	r.show(ctx)
}

// show puts the threads' progress into State and the Web UI's current
// details: the main steps' first, then each running event's, e.g.
// "waiting 7d until 2026-11-30 10:15 UTC before step check-in; event
// reminder: sending SMS (step reminder-sms)". The current step is that of
// the event that fired last, or else of the main steps. A run that has
// ended keeps what finish said.
func (r *run) show(ctx workflow.Context) {
	if r.state.Status != StatusRunning {
		return
	}
	var parts, shown []string
	main, mainShown := r.main.details, r.main.shown
	if r.main.done {
		main = r.waitingForEvents()
		mainShown = main
	}
	if main != "" {
		parts = append(parts, main)
		shown = append(shown, mainShown)
	}
	for _, t := range r.threads {
		parts = append(parts, "event "+t.event+": "+t.details)
		shown = append(shown, "event "+t.event+": "+t.shown)
	}
	r.state.CurrentStep = r.currentThread().step
	r.reportShown(ctx, strings.Join(parts, "; "), strings.Join(shown, "; "))
}

// report sets the run's details, in the Web UI and in State, and
// publishes its current step. text must carry no customer data.
func (r *run) report(ctx workflow.Context, text string) {
	r.reportShown(ctx, text, text)
}

// reportShown sets the run's details: text in State, shown in the Web
// UI's current details (see setDetailsShown).
func (r *run) reportShown(ctx workflow.Context, text, shown string) {
	r.state.Details = text
	workflow.SetCurrentDetails(ctx, shown)
	r.publishStep(ctx)
}

// publishStep sets CurrentStepAttr to State.CurrentStep when it changed,
// or unsets it once there is none, so a visibility query finds the runs at
// a step (CcflowCurrentStep = "survey") or failed at one. In runs since
// leanCommandsChange a running run leaves it to publishWhenWaiting, which
// publishes the step the run waits at once per workflow task; the run's
// end publishes at once, as the run returns right after.
func (r *run) publishStep(ctx workflow.Context) {
	if !r.changes.upsertCurrentStep {
		return
	}
	if r.changes.leanCommands && r.state.Status == StatusRunning {
		return
	}
	r.upsertStep(ctx, r.state.CurrentStep)
}

// publishWhenWaiting publishes the step the run waits at (waitingAt)
// whenever every part of the run waits and it differs from the one last
// published: the server applies a workflow task's commands together, so a
// step the run passed within the task was never seen by a query, and its
// upsert only cost a command and a visibility write. The SDK runs this
// coroutine only once the others are blocked, so its upsert comes after
// the task's other commands, in an order a replay repeats.
func (r *run) publishWhenWaiting(ctx workflow.Context) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			err := workflow.Await(ctx, func() bool {
				return r.state.Status == StatusRunning && r.waitingAt() != r.triedStep
			})
			if err != nil {
				return // canceled: the run's end publishes what it ends at
			}
			r.triedStep = r.waitingAt()
			r.upsertStep(ctx, r.triedStep)
		}
	})
}

// waitingAt is the step a running run publishes: the current step, or,
// since durable steps (leanVersion 4), the current step only while its
// thread waits there durably, and "" (unset) while it runs an activity.
func (r *run) waitingAt() string {
	if !r.changes.durableSteps {
		return r.state.CurrentStep
	}
	if r.currentThread().durable {
		return r.state.CurrentStep
	}
	return ""
}

// currentThread is the thread whose step is the run's current step: the
// event that fired last, while its steps run, or else the main steps.
func (r *run) currentThread() *thread {
	if n := len(r.threads); n > 0 {
		return r.threads[n-1]
	}
	return r.main
}

// waitDurably runs wait, a wait that may last (a timer, an answer, a
// signal), with the thread of ctx marked as waiting at its step: the step
// a run publishes since durable steps (waitingAt). wait's own result is
// the caller's to keep.
func (r *run) waitDurably(ctx workflow.Context, wait func() error) error {
	t := r.thread(ctx)
	t.durable = true
	defer func() { t.durable = false }()
	return wait()
}

// upsertStep upserts CurrentStepAttr as step when it differs from what
// the run last published.
func (r *run) upsertStep(ctx workflow.Context, step string) {
	if step == r.publishedStep {
		return
	}
	update := CurrentStepAttr.ValueSet(step)
	if step == "" {
		update = CurrentStepAttr.ValueUnset()
	}
	// The server refuses an attribute its namespace lacks by failing the
	// workflow task, not this call: the run waits, retrying, until it is
	// registered (deploy/temporal-setup.sh).
	if err := workflow.UpsertTypedSearchAttributes(ctx, update); err != nil {
		workflow.GetLogger(ctx).Warn("Could not publish the current step", "step", step, "error", err.Error())
		return
	}
	r.publishedStep = step
}
