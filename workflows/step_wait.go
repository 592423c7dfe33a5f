package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

// wait sleeps on a durable timer, which survives restarts of workers and
// of the Temporal server.
func (r *run) wait(ctx workflow.Context, s entry.Step, p place) error {
	d, err := durations.Parse(s.Duration)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	r.setDetails(ctx, waitingDetails(d, workflow.Now(ctx).Add(d), p))
	return workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: waitSummary(d, p)}).Get(ctx, nil)
}
