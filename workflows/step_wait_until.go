package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
)

func init() { interpret(waitUntil) }

// waitUntil sleeps on a durable timer until the step's local time, on one
// of its days, in the customer's zone, passing over the policy's
// holidays.
//
// The moment is planned by an activity (PlanWaitUntil) when the wait
// begins: the zone and the holidays are the contact policy's, which lives
// in the store, and they are read as they are then. The activity's answer
// is in the run's history, so a replay waits for the same moment whatever
// the policy says by then; a holiday added while the run sleeps does not
// move a timer already set (as a send, which decides again when it wakes,
// would be held by it with holidays_quiet).
func waitUntil(r *run, ctx workflow.Context, s *entry.WaitUntil, p place) error {
	u, err := s.Until()
	if err != nil {
		return err // Validate refuses such a step; a lenient read may not have
	}
	in := WaitUntilInput{StepID: p.id, Time: s.Time, Days: s.Days, AtLeast: u.AtLeast, Service: r.in.Event.Service}
	if c := r.in.Event.Customer; c != nil {
		in.CustomerTimeZone = c.TimeZone
	}
	r.setDetails(ctx, "planning the wait until "+s.Time+" (step "+p.id+")")
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
		Summary:                "plan the wait until " + s.Time + " for step " + p.id,
	})
	var plan WaitUntilPlan
	if err := workflow.ExecuteActivity(actx, PlanWaitUntilActivity, in).Get(ctx, &plan); err != nil {
		return &activityError{doing: "planning the wait until " + s.Time, err: err}
	}
	moment := untilWords(plan)
	r.setDetails(ctx, "waiting until "+moment+" "+beforeNext(p))
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineWaited, Reason: "until " + moment})
	if plan.Wait <= 0 {
		return nil // the moment is now
	}
	return r.waitDurably(ctx, func() error {
		return workflow.NewTimerWithOptions(ctx, plan.Wait, workflow.TimerOptions{
			Summary: "wait until " + moment + " " + beforeNext(p),
		}).Get(ctx, nil)
	})
}

// untilWords names a planned moment in the customer's zone and in UTC:
// "2026-11-30 10:00 America/New_York (2026-11-30 15:00 UTC)".
func untilWords(plan WaitUntilPlan) string {
	// LoadLocation reads the zone database the worker ships with; the
	// words go to details and summaries, which replays do not compare.
	//workflowcheck:ignore
	local := policy.FormatLocal(plan.At, plan.Zone)
	return fmt.Sprintf("%s (%s)", local, formatTime(plan.At))
}
