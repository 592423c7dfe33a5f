package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// The run asks for the moment once, with the customer's zone and the
// event's service, and sleeps until it on a durable timer; its details
// name the moment in the customer's zone and in UTC.
func TestWaitUntilSleepsUntilThePlannedMoment(t *testing.T) {
	h := newHarness(t)
	ny, _ := time.LoadLocation("America/New_York")
	moment := time.Date(2026, 11, 24, 10, 0, 0, 0, ny)
	h.plan = func(workflows.WaitUntilInput) workflows.WaitUntilPlan {
		return workflows.WaitUntilPlan{At: moment, Wait: moment.Sub(start), Zone: "America/New_York"}
	}
	var details string
	h.at(time.Hour, func() { details = h.state().Details })
	st := h.complete(input(
		entry.Step{ID: "callback", Spec: &entry.WaitUntil{Time: "10:00", Days: entry.Weekdays, AtLeast: "12h"}},
		entry.Step{ID: "call-back-sms", Spec: &entry.SendSMS{Text: entry.Plain("We will call you now")}},
	))

	require.Equal(t, []workflows.WaitUntilInput{{StepID: "callback", Time: "10:00", Days: entry.Weekdays, AtLeast: 12 * time.Hour,
		CustomerTimeZone: "America/New_York", Service: "Billing Support"}}, h.plans)
	require.Equal(t, "waiting until 2026-11-24 10:00 America/New_York (2026-11-24 15:00 UTC) before step call-back-sms", details)
	require.Len(t, h.sms, 1)
	require.Equal(t, "sent", st.Messages[0].Status)
	require.True(t, moment.Equal(h.env.Now()), "the run ended at the moment, %s, not %s", moment, h.env.Now())
}

// A moment that is now (the plan's wait is zero) sets no timer.
func TestWaitUntilTheMomentThatIsNowGoesOnAtOnce(t *testing.T) {
	h := newHarness(t)
	h.plan = func(workflows.WaitUntilInput) workflows.WaitUntilPlan {
		return workflows.WaitUntilPlan{At: start, Zone: "UTC"}
	}

	h.complete(input(entry.Step{ID: "now", Spec: &entry.WaitUntil{Time: "10:15"}}))

	require.True(t, start.Equal(h.env.Now()))
}
