package workflows

import "go.temporal.io/sdk/workflow"

// Changes to the interpreter that change the commands a run makes (adding,
// removing or reordering activities, timers, upserts…) are gated with
// workflow.GetVersion, so runs that started before a change replay after
// it with the commands they made then. docs/versioning.md says when and
// how; testdata/histories keeps a history from before each change.

// upsertCurrentStepChange: version 1 keeps CurrentStepAttr equal to the
// step the run is at. Runs started before it never upsert it.
const upsertCurrentStepChange = "upsert-current-step"

// changes says which gated changes are on for one run.
type changes struct {
	upsertCurrentStep bool
}

// currentChanges turns on every change for a new run and, for a run
// replayed from history, those it started with.
func currentChanges(ctx workflow.Context) changes {
	return changes{
		upsertCurrentStep: workflow.GetVersion(ctx, upsertCurrentStepChange, workflow.DefaultVersion, 1) >= 1,
	}
}
