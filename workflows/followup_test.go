package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// tellOps is an on_error handler that emails operators what failed.
var tellOps = []entry.Step{{ID: "tell-ops", Spec: &entry.SendEmail{To: "ops@example.com",
	Subject: entry.Plain("Follow-up failed at $(error.step)"), Text: entry.Plain("$(error.message)")}}}

func TestVariablesStartFromTheEventAndTheEntry(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input())

	require.Equal(t, "INT-1001", st.Variables["interaction.id"])
	require.Equal(t, "Ada", st.Variables["customer.first_name"])
	require.Equal(t, "A-17", st.Variables["order_id"])
	require.Equal(t, "post-call-survey", st.Variables["entry.id"])
	require.Equal(t, "Post-call survey", st.Variables["entry.name"])
	require.EqualValues(t, 3, st.Variables["entry.version"])
	require.Equal(t, "completed", st.Details)
	require.Empty(t, st.CurrentStep)
}

func TestAStepErrorWithoutOnErrorFailsTheRun(t *testing.T) {
	tests := []struct {
		name    string
		step    entry.Step
		message string
	}{
		{"undefined template variable",
			entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: entry.Plain("Your order"), Text: entry.Plain("About $(invoice_id)")}},
			`step "follow-up-email" (send_email) failed: text: $(invoice_id) is not defined`},
		{"undefined recipient",
			entry.Step{ID: "follow-up-sms", Spec: &entry.SendSMS{To: "$(customer.mobile)", Text: entry.Plain("Hi")}},
			`step "follow-up-sms" (send_sms) failed: to: $(customer.mobile) is not defined`},
		// A condition on a variable the run lacks does not hold
		// (TestAConditionOnAVariableTheRunLacksDoesNotHold); one whose
		// values cannot be compared fails.
		{"condition that cannot be evaluated",
			entry.Step{ID: "check", Spec: &entry.If{Condition: "order_id > 3"}},
			`step "check" (if) failed: condition "order_id > 3": `},
		{"bad duration",
			entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "3 dayz"}},
			`step "pause" (wait) failed: duration: "3 dayz" is not a duration`},
		{"a step type from a newer version",
			entry.Step{ID: "fax", Spec: &entry.UnknownStep{Type: "fax"}},
			`step "fax" (fax) failed: step type "fax" is not supported by this worker`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			after := entry.Step{ID: "after", Spec: &entry.SendSMS{Text: entry.Plain("never sent")}}

			err := h.run(input(tt.step, after))

			requireApplicationError(t, err, workflows.ErrStepFailed, tt.message)
			require.Empty(t, h.emails)
			require.Empty(t, h.sms)
			st := h.state()
			require.Equal(t, workflows.StatusFailed, st.Status)
			require.Equal(t, tt.step.ID, st.CurrentStep)
		})
	}
}

func TestAStepErrorRunsOnErrorStepsAndTheRunGoesOn(t *testing.T) {
	h := newHarness(t)
	failing := entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: entry.Plain("Your order"),
		Text: entry.Plain("About $(invoice_id)")}, OnError: tellOps}
	after := entry.Step{ID: "after", Spec: &entry.SetVariable{Name: "went_on", Value: "yes"}}

	st := h.complete(input(failing, after))

	require.Len(t, h.emails, 1)
	require.Equal(t, "ops@example.com", h.emails[0].To)
	require.Equal(t, "Follow-up failed at follow-up-email", h.emails[0].Subject)
	require.Equal(t, "text: $(invoice_id) is not defined", h.emails[0].Text)
	require.Equal(t, "follow-up-email", st.Variables["error.step"])
	require.Equal(t, "text: $(invoice_id) is not defined", st.Variables["error.message"])
	require.Equal(t, []workflows.StepError{{StepID: "follow-up-email", Message: "text: $(invoice_id) is not defined", At: start}},
		utcErrors(st.Errors))
	require.Equal(t, "yes", st.Variables["went_on"])
}

func TestAFailureInsideABranchIsHandledByTheEnclosingOnError(t *testing.T) {
	h := newHarness(t)
	check := entry.Step{ID: "check", Spec: &entry.If{Condition: "true",
		Then: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("About $(invoice_id)")}}}}, OnError: tellOps}

	st := h.complete(input(check))

	require.Equal(t, "steps[0].then[0]", st.Variables["error.step"])
	require.Equal(t, "Follow-up failed at steps[0].then[0]", h.emails[0].Subject)
}

func TestActivityFailures(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error
		attempts int
		onError  bool
		message  string
	}{
		{name: "a permanent refusal takes on_error at once",
			errs:     []error{temporal.NewNonRetryableApplicationError("550 mailbox unavailable", "SMTPRejected", nil)},
			attempts: 1, onError: true, message: "sending email to ada@example.com: 550 mailbox unavailable"},
		{name: "a transient failure is retried",
			errs:     []error{errors.New("connection reset"), errors.New("connection reset")},
			attempts: 3, onError: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.failures["follow-up-email"] = tt.errs

			st := h.complete(input(entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain("Thanks, $(customer.first_name)")}, OnError: tellOps}))

			require.Equal(t, tt.attempts, h.attempts["follow-up-email"])
			require.Equal(t, tt.onError, h.attempts["tell-ops"] == 1, "on_error ran")
			if tt.onError {
				require.Equal(t, tt.message, st.Variables["error.message"])
			} else {
				require.Equal(t, "follow-up-email", st.Messages[0].StepID)
			}
		})
	}
}

func TestIdempotencyKeysAreWorkflowIDAndStepIDWhosDefaultIsThePath(t *testing.T) {
	h := newHarness(t)
	h.failures["steps[2]"] = []error{temporal.NewNonRetryableApplicationError("invalid number", "TwilioRejected", nil)}

	st := h.complete(input(
		entry.Step{Spec: &entry.SendEmail{Subject: entry.Plain("One"), Text: entry.Plain("one")}},
		entry.Step{Spec: &entry.If{Condition: "true", Then: []entry.Step{
			{Spec: &entry.SendSMS{Text: entry.Plain("two")}},
			{ID: "named", Spec: &entry.SendSMS{Text: entry.Plain("three")}},
		}}},
		entry.Step{Spec: &entry.SendSMS{Text: entry.Plain("four")}, OnError: []entry.Step{
			{Spec: &entry.SendEmail{Subject: entry.Plain("Five"), Text: entry.Plain("five")}},
		}},
	))

	var keys, stepIDs []string
	for _, m := range h.emails {
		keys = append(keys, m.Key)
	}
	for _, m := range h.sms {
		keys = append(keys, m.Key)
	}
	for _, m := range st.Messages {
		stepIDs = append(stepIDs, m.StepID)
	}
	require.Equal(t, []string{
		workflowID + "/steps[0]", workflowID + "/steps[2].on_error[0]",
		workflowID + "/steps[1].then[0]", workflowID + "/named",
	}, keys)
	require.Equal(t, []string{"steps[0]", "steps[1].then[0]", "named", "steps[2].on_error[0]"}, stepIDs)
}

func TestSetVariableFeedsLaterTemplates(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input(
		entry.Step{Spec: &entry.SetVariable{Name: "greeting", Value: "Hi $(customer.first_name)"}},
		entry.Step{Spec: &entry.SendSMS{Text: entry.Plain("$(greeting), about order $(order_id).")}},
	))

	require.Equal(t, "Hi Ada", st.Variables["greeting"])
	require.Equal(t, "Hi Ada, about order A-17.", h.sms[0].Text)
}

func TestIfRunsThenOrElseAsItsConditionSays(t *testing.T) {
	tests := []struct {
		condition string
		branch    string
	}{
		{`interaction.disposition == "Problem solved"`, "then"},
		{`interaction.average_sentiment > 0.51 && order_id == "A-17"`, "then"},
		{`interaction.average_sentiment < 0`, "else"},
		{`case.final`, "else"},
	}
	for _, tt := range tests {
		t.Run(tt.condition, func(t *testing.T) {
			h := newHarness(t)

			st := h.complete(input(entry.Step{Spec: &entry.If{Condition: tt.condition,
				Then: []entry.Step{{Spec: &entry.SetVariable{Name: "branch", Value: "then"}}},
				Else: []entry.Step{{Spec: &entry.SetVariable{Name: "branch", Value: "else"}}}},
			}))

			require.Equal(t, tt.branch, st.Variables["branch"])
		})
	}
}

func TestStateQueryShowsTheMessagesSent(t *testing.T) {
	h := newHarness(t)
	var during workflows.State
	h.at(time.Hour, func() { during = h.state() })

	st := h.complete(input(
		entry.Step{ID: "thanks", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain("Thanks")}},
		entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}},
		entry.Step{ID: "check-in", Spec: &entry.SendSMS{Text: entry.Plain("All good?")}},
	))

	require.Equal(t, workflows.StatusRunning, during.Status)
	require.Equal(t, []workflows.Message{{StepID: "thanks", Channel: "email", To: "ada@example.com",
		DeliveryID: workflowID + "/thanks", ProviderID: "smtp-thanks", Status: workflows.SendSent, SentAt: start}}, utcMessages(during.Messages))
	require.Len(t, st.Messages, 2)
	require.Equal(t, workflows.Message{StepID: "check-in", Channel: "sms", To: "+15551234567",
		DeliveryID: workflowID + "/check-in", ProviderID: "SM-check-in", Status: workflows.SendSent, SentAt: start.Add(24 * time.Hour)},
		utcMessages(st.Messages)[1])
}

func TestCancelingARunSendsNothingMore(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, h.env.CancelWorkflow)

	err := h.run(input(
		entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}, OnError: tellOps},
		entry.Step{ID: "check-in", Spec: &entry.SendSMS{Text: entry.Plain("All good?")}},
	))

	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
	require.Empty(t, h.emails)
	require.Empty(t, h.sms)
}

// utcMessages and utcErrors put times in UTC, as they come back from JSON
// in the machine's zone.
func utcMessages(ms []workflows.Message) []workflows.Message {
	for i := range ms {
		ms[i].SentAt = ms[i].SentAt.UTC()
	}
	return ms
}

func utcErrors(es []workflows.StepError) []workflows.StepError {
	for i := range es {
		es[i].At = es[i].At.UTC()
	}
	return es
}
