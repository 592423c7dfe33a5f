package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(scheduleEvent) }

// scheduleEvent schedules the event of a schedule_event step: its steps
// run beside the rest once it comes due. A pending event of the same name
// is replaced. A due time in the past fires at once.
func scheduleEvent(r *run, ctx workflow.Context, s *entry.ScheduleEvent, p place) error {
	due, err := r.dueTime(ctx, s)
	if err != nil {
		return err
	}
	if i := r.pendingIndex(s.Name); i >= 0 {
		r.endPending(ctx, i, EventReplaced, "step "+p.id)
	}
	now := workflow.Now(ctx)
	r.state.Events = append(r.state.Events, ScheduledEvent{
		Name: s.Name, StepID: p.id, Status: EventPending, ScheduledAt: now, DueAt: due,
	})
	eventCtx, cancel := workflow.WithCancel(ctx)
	ev := &event{record: len(r.state.Events) - 1, cancel: cancel}
	r.pending = append(r.pending, ev)
	// The timer is started here rather than in the coroutine so that its
	// command follows the step's in history.
	timer := workflow.NewTimerWithOptions(eventCtx, due.Sub(now), workflow.TimerOptions{
		Summary: "event " + s.Name + " due " + formatTime(due),
	})
	workflow.Go(eventCtx, func(ctx workflow.Context) { r.fire(ctx, ev, timer, s, p) })
	r.show(ctx)
	return nil
}

// dueTime is when the event of s comes due: after its duration from now,
// or at the time its at template renders to.
func (r *run) dueTime(ctx workflow.Context, s *entry.ScheduleEvent) (time.Time, error) {
	if s.After != "" {
		d, err := durations.Parse(s.After)
		if err != nil {
			return time.Time{}, fmt.Errorf("after: %w", err)
		}
		return workflow.Now(ctx).Add(d).UTC(), nil
	}
	f := fields{vars: r.vars}
	at := f.text("at", s.At)
	if f.err != nil {
		return time.Time{}, f.err
	}
	t, err := entry.ParseEventTime(at)
	if err != nil {
		return time.Time{}, fmt.Errorf("at: %w", err)
	}
	return t.UTC(), nil
}
