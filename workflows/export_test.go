package workflows

import "go.temporal.io/sdk/workflow"

// FollowUpUngated is FollowUp with every gated change on for every run, as
// if the changes had come without workflow.GetVersion: histories recorded
// before them must fail to replay against it.
func FollowUpUngated(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(workflow.Context) changes {
		return changes{upsertCurrentStep: true, missingVariableIsFalse: true, answerDuringSendCounts: true, htmlContexts: true,
			sendFallback: true, recordRunEnd: true, smsReply: true}
	})
}

// FollowUpBeforeHTMLContexts is FollowUp as a run started before
// htmlContextsChange runs, every other change on but lean-commands, which
// came after it.
func FollowUpBeforeHTMLContexts(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(ctx workflow.Context) changes {
		c := currentChanges(ctx)
		c.htmlContexts, c.leanCommands = false, false
		return c
	})
}

// FollowUpBeforeSMSReply is FollowUp as a run started before
// smsReplyChange runs, every other change on.
func FollowUpBeforeSMSReply(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(ctx workflow.Context) changes {
		c := currentChanges(ctx)
		c.smsReply = false
		return c
	})
}

// FollowUpLeanUngated is FollowUp with the lean-commands change on for
// every run, as if it had come without workflow.GetVersion: no version
// marker at all, and the current step upserted only when the run waits.
// Histories recorded before the change must fail to replay against it.
func FollowUpLeanUngated(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(workflow.Context) changes { return allChanges })
}

// FollowUpDurableStepsUngated is FollowUp with durable steps (leanVersion
// 4) on for every run of lean-commands, as if it had come without raising
// the version: histories of lean-commands 3, which published the step of
// an activity, must fail to replay against it.
func FollowUpDurableStepsUngated(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, func(ctx workflow.Context) changes {
		c := currentChanges(ctx)
		c.durableSteps = c.leanCommands
		return c
	})
}

// LeanVersion is leanVersion, for the tests that stand a run from before
// lean-commands in for one.
const LeanVersion = leanVersion
