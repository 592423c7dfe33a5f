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

// conditionMissingVariableChange: version 1 decides an if step whose
// condition needs a variable the run does not have (survey.score of an
// unanswered survey) as not holding, and notes why in the run's state.
// Runs started before it fail the step, as they did.
const conditionMissingVariableChange = "condition-missing-variable"

// changes says which gated changes are on for one run.
type changes struct {
	upsertCurrentStep bool
	// missingVariableIsFalse: conditionMissingVariableChange.
	missingVariableIsFalse bool
}

// currentChanges turns on every change for a new run and, for a run
// replayed from history, those it started with.
func currentChanges(ctx workflow.Context) changes {
	return changes{
		upsertCurrentStep:      workflow.GetVersion(ctx, upsertCurrentStepChange, workflow.DefaultVersion, 1) >= 1,
		missingVariableIsFalse: workflow.GetVersion(ctx, conditionMissingVariableChange, workflow.DefaultVersion, 1) >= 1,
	}
}
