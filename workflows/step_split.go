package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(split) }

// split runs the branch of a split step that the run's workflow ID
// chooses (entry.ChooseBranch, the function entry.Variant decides a run's
// variant with at ingest, so the two always agree) and sets
// split.<step id> to its id. The choice is a pure function of the run's
// ID: it makes no command, and a replay takes the same branch.
func split(r *run, ctx workflow.Context, s *entry.Split, p place) error {
	id := p.step.ID
	if id == "" {
		id = p.id // Validate requires an id; a lenient read may lack one
	}
	i := entry.ChooseBranch(s, id, workflow.GetInfo(ctx).WorkflowExecution.ID)
	if i < 0 {
		return fmt.Errorf("branches: the split has none")
	}
	b := s.Branches[i]
	r.vars["split."+id] = b.ID
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineBranch, Reason: "branch " + b.ID})
	workflow.GetLogger(ctx).Info("Split", "step", p.id, "branch", b.ID)
	return r.runSteps(ctx, b.Steps, fmt.Sprintf("%s.branches[%d].steps", p.path, i), p.next)
}
