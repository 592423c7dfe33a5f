package workflows

import "go.temporal.io/sdk/workflow"

// FollowUpUngated is FollowUp with every gated change on for every run, as
// if the changes had come without workflow.GetVersion: histories recorded
// before them must fail to replay against it.
func FollowUpUngated(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(workflow.Context) changes {
		return changes{upsertCurrentStep: true, missingVariableIsFalse: true, answerDuringSendCounts: true, htmlContexts: true,
			sendFallback: true, recordRunEnd: true}
	})
}

// FollowUpBeforeHTMLContexts is FollowUp as a run started before
// htmlContextsChange runs, every other change on.
func FollowUpBeforeHTMLContexts(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(ctx workflow.Context) changes {
		c := currentChanges(ctx)
		c.htmlContexts = false
		return c
	})
}
