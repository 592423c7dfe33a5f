package workflows

import (
	"errors"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

// Scheduled events. A schedule_event step records its event in
// State.Events, starts a timer for it under a context of its own and a
// coroutine that waits on the timer; clearing or replacing the event
// cancels that context, so the timer is canceled and the steps never run.
// When the timer fires, the coroutine runs the event's steps through
// runSteps, as a thread beside the main steps, so on_error, sends and
// details work as they do there.
//
// Idempotency keys need no per-firing suffix: an entry has no loops, and a
// schedule_event step schedules its event once, so each step of an entry,
// inside events or not, runs at most once per run. A name scheduled again
// is scheduled by another step, whose event steps have other paths, and
// explicit step ids are unique across the entry.

// event is a pending scheduled event: its record in State.Events and how
// to cancel its timer.
type event struct {
	record int
	cancel workflow.CancelFunc
}

func (r *run) eventName(ev *event) string {
	return r.state.Events[ev.record].Name
}

// pendingIndex is the index in r.pending of the event called name, or -1.
func (r *run) pendingIndex(name string) int {
	return slices.IndexFunc(r.pending, func(ev *event) bool { return r.eventName(ev) == name })
}

// fire waits for ev's timer and runs its steps, those of the
// schedule_event step s at p. A failure the schedule_event step's on_error
// does not handle fails the run.
func (r *run) fire(ctx workflow.Context, ev *event, timer workflow.Future, s *entry.ScheduleEvent, p place) {
	// A clear that came in the same workflow task as the timer may run
	// first: then ev is no longer pending and its steps do not run.
	if err := timer.Get(ctx, nil); err != nil || !slices.Contains(r.pending, ev) {
		return
	}
	r.pending = slices.DeleteFunc(r.pending, func(e *event) bool { return e == ev })
	rec := &r.state.Events[ev.record]
	rec.Status, rec.FiredAt = EventFired, workflow.Now(ctx)
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineEvent, Reason: "scheduled event " + s.Name + " fired"})

	t := &thread{event: s.Name}
	r.threads = append(r.threads, t)
	ctx = withThread(ctx, t)
	err := r.runSteps(ctx, s.Steps, p.path+".steps", "")
	err = r.handleFailure(ctx, place{path: p.path, id: p.id, event: s.Name, step: p.step}, err)
	switch {
	case err == nil:
		r.threads = slices.DeleteFunc(r.threads, func(x *thread) bool { return x == t })
		r.show(ctx)
	case ctx.Err() == nil && !temporal.IsCanceledError(err) && !isContactedAgain(err):
		if r.eventFailure == nil {
			r.eventFailure = err
		}
		r.stop()
	case isContactedAgain(err):
		// As a main step's would, it ends the whole run, completed.
		r.eventFailure = err
		r.stop()
	}
	// Canceled: finish says so.
}

func isContactedAgain(err error) bool {
	_, ok := errors.AsType[*contactedAgain](err)
	return ok
}

// clearEvent clears the pending event called name, as by asks ("step <id>"
// or the caller of the update), and reports whether there was one.
// Clearing a name with no pending event changes nothing but is recorded.
func (r *run) clearEvent(ctx workflow.Context, name, by string) bool {
	i := r.pendingIndex(name)
	if i < 0 {
		r.state.Events = append(r.state.Events, ScheduledEvent{
			Name: name, Status: EventNotPending, ClearedBy: by, ClearedAt: workflow.Now(ctx),
		})
		return false
	}
	r.endPending(ctx, i, EventCleared, by)
	r.show(ctx)
	return true
}

// endPending cancels the timer of r.pending[i] and records why it will
// never fire.
func (r *run) endPending(ctx workflow.Context, i int, status, by string) {
	ev := r.pending[i]
	ev.cancel()
	rec := &r.state.Events[ev.record]
	rec.Status, rec.ClearedBy, rec.ClearedAt = status, by, workflow.Now(ctx)
	r.pending = slices.Delete(r.pending, i, i+1)
}

// dropPending records every pending event as dropped: the run ends before
// they come due.
func (r *run) dropPending(ctx workflow.Context) {
	for len(r.pending) > 0 {
		r.endPending(ctx, 0, EventDropped, "")
	}
}

// awaitEvents keeps the run open once its main steps are done, until no
// event is pending and no fired event's steps are running.
func (r *run) awaitEvents(ctx workflow.Context) error {
	r.main.step, r.main.done = "", true
	r.show(ctx)
	return workflow.Await(ctx, func() bool { return len(r.pending) == 0 && len(r.threads) == 0 })
}

// waitingForEvents says which events the run waits for, e.g. "waiting for
// scheduled event follow-up due 2026-11-30 10:15 UTC"; "" when none.
func (r *run) waitingForEvents() string {
	if len(r.pending) == 0 {
		return ""
	}
	due := make([]string, len(r.pending))
	for i, ev := range r.pending {
		rec := r.state.Events[ev.record]
		due[i] = rec.Name + " due " + formatTime(rec.DueAt)
	}
	noun := "event"
	if len(due) > 1 {
		noun = "events"
	}
	return "waiting for scheduled " + noun + " " + strings.Join(due, ", ")
}
