package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(waitForEvent) }

// Posted events. The starter stores each event posted for a run
// (POST …/events/{name}) in PostgreSQL, then signals it to the run
// (EventPostedSignal). A signal is durable as soon as Temporal takes it,
// whether or not a worker runs, and one post reaches every run of an
// interaction or a case without waiting for any of them; an update would
// need each run's worker to answer, and the API's answer to wait for the
// slowest. The run keeps every event it is signalled, by name, the latest
// winning, from its first workflow task on: a wait_for_event step that
// comes later sees it at once. An event posted before the run could take
// signals at all (its start not yet confirmed) is found in the store by
// the step itself (KeptEventActivity).

// takeEvent records ev, an event signalled to the run, as received,
// unless the run has it already: a post repeated after a lost answer
// signals the same event again, and it is taken once, by its id.
func (r *run) takeEvent(ev PostedEvent) {
	if ev.Name == "" || slices.ContainsFunc(r.state.PostedEvents, func(p PostedEventRecord) bool { return p.ID == ev.ID && ev.ID != "" }) {
		return
	}
	r.posted[ev.Name] = ev
	r.state.PostedEvents = append(r.state.PostedEvents, PostedEventRecord{ID: ev.ID, Name: ev.Name, At: ev.At})
}

// waitForEvent waits until the event s.Name has been posted for the run,
// or s.Timeout passes, and sets <name>.received, <name>.at and each field
// of its data as <name>.<field>.
func waitForEvent(r *run, ctx workflow.Context, s *entry.WaitForEvent, p place) error {
	timeout, err := durations.Parse(s.Timeout)
	if err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	if _, ok := r.posted[s.Name]; !ok {
		if err := r.findKeptEvent(ctx, s.Name, p); err != nil {
			return err
		}
	}
	received := true
	if _, ok := r.posted[s.Name]; !ok {
		until := workflow.Now(ctx).Add(timeout)
		r.setDetails(ctx, fmt.Sprintf("waiting for event %s until %s (step %s)", s.Name, formatTime(until), p.id))
		r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineWaited, Reason: "up to " + span(timeout) + " for event " + s.Name})
		err = r.waitDurably(ctx, func() (err error) {
			received, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      timeout,
				TimerOptions: workflow.TimerOptions{Summary: "event " + s.Name + " for step " + p.id},
			}, func() bool { _, ok := r.posted[s.Name]; return ok })
			return err
		})
		if err != nil {
			return err
		}
	}
	r.vars[s.Name+".received"] = received
	if !received {
		r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineEvent, Reason: "event " + s.Name + " did not come within " + span(timeout)})
		return nil
	}
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineEvent, Reason: "event " + s.Name + " received"})
	ev := r.posted[s.Name]
	r.vars[s.Name+".at"] = ev.At.UTC().Format(time.RFC3339)
	for _, field := range sortedKeys(ev.Data) {
		r.vars[s.Name+"."+field] = ev.Data[field]
	}
	return nil
}

// findKeptEvent asks the store for an event called name posted for the
// run before it could take signals, and takes it if there is one.
func (r *run) findKeptEvent(ctx workflow.Context, name string, p place) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
		Summary:                "look for event " + name + " for step " + p.id,
	})
	var kept KeptEventResult
	in := KeptEventInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Name: name}
	if err := workflow.ExecuteActivity(actx, KeptEventActivity, in).Get(ctx, &kept); err != nil {
		return &activityError{doing: "looking for event " + name, err: err}
	}
	if kept.Event != nil {
		r.takeEvent(*kept.Event)
	}
	return nil
}

// sortedKeys are m's keys in order, so a run sets variables in the same
// order on every replay.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	//workflowcheck:ignore
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
