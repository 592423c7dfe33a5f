package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(wait) }

// wait sleeps on a durable timer, which survives restarts of workers and
// of the Temporal server.
func wait(r *run, ctx workflow.Context, s *entry.Wait, p place) error {
	d, err := durations.Parse(s.Duration)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	r.setDetails(ctx, waitingDetails(d, workflow.Now(ctx).Add(d), p))
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineWaited, Reason: span(d)})
	return r.waitDurably(ctx, func() error {
		return workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: waitSummary(d, p)}).Get(ctx, nil)
	})
}
