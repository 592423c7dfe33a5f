package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(branch) }

// branch runs the then or the else steps of an if step, as its CEL
// condition over the variables says.
func branch(r *run, ctx workflow.Context, s *entry.If, p place) error {
	// CEL is side-effect free and deterministic; workflowcheck only sees the
	// maps and sync of its caches.
	//workflowcheck:ignore
	holds, err := conditions.Eval(s.Condition, r.vars)
	if err != nil {
		return err
	}
	if holds {
		return r.runSteps(ctx, s.Then, p.path+".then", p.next)
	}
	return r.runSteps(ctx, s.Else, p.path+".else", p.next)
}
