package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

// clearEventStep clears the pending event a clear_event step names. A name
// with no pending event is no error: the step is done either way, and the
// run's state records the attempt.
func (r *run) clearEventStep(ctx workflow.Context, s entry.Step, p place) error {
	r.clearEvent(ctx, s.Name, "step "+p.id)
	return nil
}
