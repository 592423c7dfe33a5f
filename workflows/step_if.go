package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(branch) }

// branch runs the then or the else steps of an if step, as its CEL
// condition over the variables says.
func branch(r *run, ctx workflow.Context, s *entry.If, p place) error {
	holds, err := r.decide(ctx, s.Condition, p)
	if err != nil {
		return err
	}
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineBranch, Reason: branchReason(s.Condition, holds)})
	if holds {
		return r.runSteps(ctx, s.Then, p.path+".then", p.next)
	}
	return r.runSteps(ctx, s.Else, p.path+".else", p.next)
}

// decide evaluates a condition. A condition that needs a variable the run
// does not have does not hold, and the run's state says so; in runs that
// started before conditionMissingVariableChange it fails the step.
func (r *run) decide(ctx workflow.Context, expr string, p place) (bool, error) {
	if !r.changes.missingVariableIsFalse {
		// CEL is side-effect free and deterministic; workflowcheck only
		// sees the maps and sync of its caches.
		//workflowcheck:ignore
		return conditions.Eval(expr, r.vars)
	}
	//workflowcheck:ignore
	d, err := conditions.Decide(expr, r.vars)
	if err != nil {
		return false, err
	}
	if d.Missing != "" {
		note := fmt.Sprintf("condition %q does not hold: the run has no %s", expr, d.Missing)
		r.state.Notes = append(r.state.Notes, Note{StepID: p.id, Message: note, At: workflow.Now(ctx)})
		workflow.GetLogger(ctx).Info("Condition does not hold for want of a variable", "step", p.id, "missing", d.Missing)
	}
	return d.Holds, nil
}
