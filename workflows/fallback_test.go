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

// smsWithFallback sends an SMS and, when it does not reach the customer,
// an email instead; then a last step.
func smsWithFallback(after string) workflows.FollowUpInput {
	return input(
		entry.Step{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us"), FallbackAfter: after,
			Fallback: []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{Subject: entry.Plain("Rate us"), Text: entry.Plain("Because: $(message.fallback)")}}}}},
		entry.Step{ID: "last", Spec: &entry.SetVariable{Name: "last", Value: "yes"}},
	)
}

func TestFallbackRunsWhenTheSMSIsSkipped(t *testing.T) {
	h := newHarness(t)
	h.outcomes["sms"] = workflows.Delivery{Status: workflows.SendSkipped, Code: "opted_out", Reason: "opted out"}

	st := h.complete(smsWithFallback(""))

	require.Equal(t, "opted out", st.Variables["message.fallback"])
	require.Len(t, h.emails, 1)
	require.Equal(t, "Because: opted out", h.emails[0].Text)
	require.Equal(t, "yes", st.Variables["last"], "the run goes on after the fallback")
	require.Equal(t, "opted out", st.Messages[0].Fallback)
	require.True(t, start.Equal(h.env.Now()), "a skipped SMS waits for no status")
}

func TestFallbackRunsWhenTheSMSFailsForGood(t *testing.T) {
	h := newHarness(t)
	h.failures["sms"] = []error{temporal.NewNonRetryableApplicationError("sms to +15551234567 refused: invalid number", workflows.ErrTypeSendRejected, nil)}

	st := h.complete(smsWithFallback(""))

	require.Equal(t, "failed permanently: sms to +15551234567 refused: invalid number", st.Variables["message.fallback"])
	require.Len(t, h.emails, 1)
	require.Equal(t, workflows.SendFailed, st.Messages[0].Status)
	require.Equal(t, "+15551234567", st.Messages[0].To)
}

func TestFallbackRunsWhenTheSMSIsReportedUndeliveredInTime(t *testing.T) {
	h := newHarness(t)
	h.at(3*time.Minute, func() {
		h.env.SignalWorkflow(workflows.DeliveryStatusSignal, workflows.DeliveryStatus{DeliveryID: workflowID + "/sms", Status: "sent"})
		h.env.SignalWorkflow(workflows.DeliveryStatusSignal, workflows.DeliveryStatus{DeliveryID: workflowID + "/sms", Status: "undelivered", ErrorCode: "30007"})
	})

	st := h.complete(smsWithFallback("30m"))

	require.Equal(t, "undelivered 30007", st.Variables["message.fallback"])
	require.Len(t, h.sms, 1)
	require.Len(t, h.emails, 1)
	require.True(t, start.Add(3*time.Minute).Equal(h.env.Now()), "the fallback ran when the status came")
	require.Equal(t, workflows.SendSent, st.Messages[0].Status)
	require.Equal(t, "undelivered 30007", st.Messages[0].Fallback)
}

// A status reported before the send was recorded comes back with the
// send, and counts at once.
func TestFallbackRunsOnAStatusReportedBeforeTheSendWasRecorded(t *testing.T) {
	h := newHarness(t)
	h.outcomes["sms"] = workflows.Delivery{Status: workflows.SendSent, DeliveryStatus: "failed", ErrorCode: "30008"}

	st := h.complete(smsWithFallback(""))

	require.Equal(t, "failed 30008", st.Variables["message.fallback"])
	require.True(t, start.Equal(h.env.Now()))
}

func TestNoFallbackWhenTheSMSIsDelivered(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() {
		h.env.SignalWorkflow(workflows.DeliveryStatusSignal, workflows.DeliveryStatus{DeliveryID: workflowID + "/sms", Status: "delivered"})
	})

	st := h.complete(smsWithFallback(""))

	require.NotContains(t, st.Variables, "message.fallback")
	require.Empty(t, h.emails)
	require.True(t, start.Add(time.Minute).Equal(h.env.Now()), "the run went on when the SMS was delivered, not after 10m")
}

// No status within fallback_after: the run goes on after it, and a status
// reported later changes nothing.
func TestAStatusAfterTheWindowChangesNothing(t *testing.T) {
	h := newHarness(t)
	in := smsWithFallback("10m")
	in.Entry.Steps = append(in.Entry.Steps, entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1h"}})
	h.at(11*time.Minute, func() {
		h.env.SignalWorkflow(workflows.DeliveryStatusSignal, workflows.DeliveryStatus{DeliveryID: workflowID + "/sms", Status: "undelivered", ErrorCode: "30007"})
	})

	st := h.complete(in)

	require.NotContains(t, st.Variables, "message.fallback")
	require.Empty(t, h.emails)
	require.True(t, start.Add(10*time.Minute+time.Hour).Equal(h.env.Now()), "the run waited the window, then its pause")
}

// Email has no delivery status: a skip or a permanent failure runs the
// fallback, a sent email goes on at once.
func TestEmailFallback(t *testing.T) {
	steps := func() workflows.FollowUpInput {
		return input(entry.Step{ID: "email", Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello"),
			Fallback: []entry.Step{{ID: "sms-instead", Spec: &entry.SendSMS{Text: entry.Plain("Hello ($(message.fallback))")}}}}})
	}
	t.Run("skipped", func(t *testing.T) {
		h := newHarness(t)
		h.outcomes["email"] = workflows.Delivery{Status: workflows.SendSkipped, Code: "rolling_cap", Reason: "cap 4 per 2d reached"}
		st := h.complete(steps())
		require.Equal(t, "cap 4 per 2d reached", st.Variables["message.fallback"])
		require.Equal(t, "Hello (cap 4 per 2d reached)", h.sms[0].Text)
	})
	t.Run("failed for good", func(t *testing.T) {
		h := newHarness(t)
		h.failures["email"] = []error{temporal.NewNonRetryableApplicationError("email to ada@example.com refused: 550 no such user", workflows.ErrTypeSendRejected, nil)}
		st := h.complete(steps())
		require.Equal(t, "failed permanently: email to ada@example.com refused: 550 no such user", st.Variables["message.fallback"])
		require.Len(t, h.sms, 1)
	})
	t.Run("sent", func(t *testing.T) {
		h := newHarness(t)
		st := h.complete(steps())
		require.NotContains(t, st.Variables, "message.fallback")
		require.Empty(t, h.sms)
		require.True(t, start.Equal(h.env.Now()))
	})
}

// A step error that is no send's (a template naming no variable) is the
// step's failure, not a fallback.
func TestATemplateErrorIsNoFallback(t *testing.T) {
	h := newHarness(t)
	in := input(entry.Step{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain("Order $(no_such)"),
		Fallback: []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{Subject: entry.Plain("x"), Text: entry.Plain("y")}}}}})

	err := h.run(in)

	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Contains(t, appErr.Error(), "no_such")
	require.Empty(t, h.emails)
}
