package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(clearEventStep) }

// clearEventStep clears the pending event a clear_event step names. A name
// with no pending event is no error: the step is done either way, and the
// run's state records the attempt.
func clearEventStep(r *run, ctx workflow.Context, s *entry.ClearEvent, p place) error {
	r.clearEvent(ctx, s.Name, "step "+p.id)
	return nil
}
