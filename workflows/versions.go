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

// htmlContextsChange: version 1 renders an email's html with each value
// escaped for the context it lands in (html/template's contexts: text,
// attribute, URL, script, style) and makes a survey's email a survey email
// with rating links: a link per score in its text, the rating buttons in
// its html where it says $(survey.rating_links), and, without an html of
// its own, ccflow's HTML with the question, the buttons and the brand. An
// html the contexts cannot take, or an old entry naming
// $(survey.rating_links), fails its step where it used to render or fail
// otherwise: runs started before it keep escaping every value as text,
// and their survey emails stay plain links.
const htmlContextsChange = "email-html-contexts"

// sendFallbackChange: version 1 runs a send_email or send_sms step's
// fallback steps when its message is skipped, fails for good or (SMS) is
// reported undelivered within fallback_after, for which it waits on a
// timer. Entries could not hold fallback before it, but a run started by a
// worker without it (a rolling deploy) ignored the field, and replayed
// with it would meet a timer or the fallback's commands where its history
// has the next step's.
const sendFallbackChange = "send-fallback"

// recordRunEndChange: version 1 ends every run with RecordRunEndActivity,
// which records in the run's record how it ended (status, reason, time)
// for GET /v1/runs and the results. Runs started before it never record
// their end: their records say "unknown".
const recordRunEndChange = "record-run-end"

// leanCommandsChange: version 1 makes fewer commands per run. One version
// marker (this one) stands for every change above, which a run started
// since is known to have, instead of a marker and a TemporalChangeVersion
// upsert for each of them (ten commands); and CurrentStepAttr is upserted
// once per workflow task, when the run waits, with the step it waits at,
// instead of at every step it passes (a set_variable or an if that runs
// in the same task as the step after it was never seen by a visibility
// query: the server applies a task's commands together). Runs started
// before it replay with a marker per change and an upsert per step.
const leanCommandsChange = "lean-commands"

// Version 4 of leanCommandsChange (durable steps) publishes a step as
// CurrentStepAttr only while the run waits there durably: a wait, a
// wait_until, a survey's answer or reply, an event, a send held for quiet
// hours, a fallback's delivery status. While it runs a step's activity (a
// send, a call: seconds, unless it is retried) the attribute is unset, so
// a run of sends alone makes no upsert at all, and a query for the runs
// waiting at a step finds exactly those; a failed run still publishes the
// step it failed at. Runs started before it (versions 1 to 3) publish the
// step they wait at, activities included, as they did.

// smsReplyChange: version 1 asks an SMS survey answered by reply
// (answer_by: reply) its question in the SMS with what to reply, opens it
// for replies from its number (OpenSurvey's Reply) and, while it waits,
// sends its one clarifying SMS when the customer replies without a number
// on the scale (UnclearReplySignal): a send activity beside the wait, whose
// timer the signal cuts and starts again. Entries could not ask for replies
// before it; a run without it (a worker without it started the run)
// sends such a survey as a link, with the question and the link after
// its text when the text shows none.
const smsReplyChange = "sms-reply"

// changes says which gated changes are on for one run.
type changes struct {
	upsertCurrentStep bool
	// missingVariableIsFalse: conditionMissingVariableChange.
	missingVariableIsFalse bool
	// answerDuringSendCounts: surveyAnsweredDuringSendChange.
	answerDuringSendCounts bool
	// htmlContexts: htmlContextsChange.
	htmlContexts bool
	// sendFallback: sendFallbackChange.
	sendFallback bool
	// recordRunEnd: recordRunEndChange.
	recordRunEnd bool
	// leanCommands: leanCommandsChange (CurrentStepAttr upserted when the
	// run waits; the other changes' markers are left out).
	leanCommands bool
	// smsReply: smsReplyChange.
	smsReply bool
	// durableSteps: version 4 of leanCommandsChange (CurrentStepAttr shows
	// only a step the run waits at durably).
	durableSteps bool
}

// allChanges are the changes of a run started since leanCommandsChange:
// every one of them.
var allChanges = changes{upsertCurrentStep: true, missingVariableIsFalse: true, answerDuringSendCounts: true,
	htmlContexts: true, sendFallback: true, leanCommands: true, recordRunEnd: true, smsReply: true, durableSteps: true}

// leanVersion is the version of leanCommandsChange a new run records. A
// change gated after lean-commands raises it instead of adding a marker
// of its own, so a new run keeps one marker: version 1 stands for the
// changes up to send-fallback, 2 for record-run-end too, 3 for sms-reply
// too, 4 for durable steps too.
const leanVersion = 4

// currentChanges turns on every change for a new run and, for a run
// replayed from history, those it started with.
func currentChanges(ctx workflow.Context) changes {
	// A run that has the lean-commands marker has every change; one
	// replayed from before it has none of this marker and asks for each
	// change, as it did.
	if v := workflow.GetVersion(ctx, leanCommandsChange, workflow.DefaultVersion, leanVersion); v >= 1 {
		c := allChanges
		c.recordRunEnd = v >= 2
		c.smsReply = v >= 3
		c.durableSteps = v >= 4
		return c
	}
	return changes{
		upsertCurrentStep:      workflow.GetVersion(ctx, upsertCurrentStepChange, workflow.DefaultVersion, 1) >= 1,
		missingVariableIsFalse: workflow.GetVersion(ctx, conditionMissingVariableChange, workflow.DefaultVersion, 1) >= 1,
		answerDuringSendCounts: workflow.GetVersion(ctx, surveyAnsweredDuringSendChange, workflow.DefaultVersion, 1) >= 1,
		htmlContexts:           workflow.GetVersion(ctx, htmlContextsChange, workflow.DefaultVersion, 1) >= 1,
		sendFallback:           workflow.GetVersion(ctx, sendFallbackChange, workflow.DefaultVersion, 1) >= 1,
		recordRunEnd:           workflow.GetVersion(ctx, recordRunEndChange, workflow.DefaultVersion, 1) >= 1,
		smsReply:               workflow.GetVersion(ctx, smsReplyChange, workflow.DefaultVersion, 1) >= 1,
	}
}
