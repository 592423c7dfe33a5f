package workflows

import "go.temporal.io/sdk/workflow"

// FollowUpUngated is FollowUp with every gated change on for every run, as
// if the changes had come without workflow.GetVersion: histories recorded
// before them must fail to replay against it.
func FollowUpUngated(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(workflow.Context) changes {
		return changes{upsertCurrentStep: true, missingVariableIsFalse: true, answerDuringSendCounts: true, recordRunEnd: true}
	})
}
