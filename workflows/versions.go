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

// surveyAnsweredDuringSendChange: version 1 counts an answer the run took
// while the survey's link was still being sent, when that send (retried
// after a crash, an outage) reported back after the survey's wait had
// ended. Before it the run said survey.answered = false although it had
// taken the answer and told the caller so, and the store recorded it as
// delivered: the run and the store disagreed. Runs started before it keep
// the old answer.
const surveyAnsweredDuringSendChange = "survey-answered-during-send"

// recordRunEndChange: version 1 ends every run with RecordRunEndActivity,
// which records in the run's record how it ended (status, reason, time)
// for GET /v1/runs and the results. Runs started before it never record
// their end: their records say "unknown".
const recordRunEndChange = "record-run-end"

// changes says which gated changes are on for one run.
type changes struct {
	upsertCurrentStep bool
	// missingVariableIsFalse: conditionMissingVariableChange.
	missingVariableIsFalse bool
	// answerDuringSendCounts: surveyAnsweredDuringSendChange.
	answerDuringSendCounts bool
	// recordRunEnd: recordRunEndChange.
	recordRunEnd bool
}

// currentChanges turns on every change for a new run and, for a run
// replayed from history, those it started with.
func currentChanges(ctx workflow.Context) changes {
	return changes{
		upsertCurrentStep:      workflow.GetVersion(ctx, upsertCurrentStepChange, workflow.DefaultVersion, 1) >= 1,
		missingVariableIsFalse: workflow.GetVersion(ctx, conditionMissingVariableChange, workflow.DefaultVersion, 1) >= 1,
		answerDuringSendCounts: workflow.GetVersion(ctx, surveyAnsweredDuringSendChange, workflow.DefaultVersion, 1) >= 1,
		recordRunEnd:           workflow.GetVersion(ctx, recordRunEndChange, workflow.DefaultVersion, 1) >= 1,
	}
}
