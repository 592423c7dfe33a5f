package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// caseClosedAt is when the tests post case_closed.
var caseClosedAt = start.Add(90 * time.Minute)

func caseClosed(id string) workflows.PostedEvent {
	return workflows.PostedEvent{ID: id, Name: "case_closed", At: caseClosedAt,
		Data: map[string]any{"resolution": "fixed", "agent": map[string]any{"name": "Sam"}, "minutes": 42.0}}
}

// waitForCaseClosed waits up to 5d for case_closed, then sends an SMS.
func waitForCaseClosed(before ...entry.Step) workflows.FollowUpInput {
	return input(append(before,
		entry.Step{ID: "closed", Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "5d"}},
		entry.Step{ID: "after", Spec: &entry.SendSMS{Text: entry.Plain("Your case is $(case_closed.resolution), says $(case_closed.agent.name)")}})...)
}

func TestWaitForEventTakesAnEventPostedWhileItWaits(t *testing.T) {
	h := newHarness(t)
	h.at(90*time.Minute, func() { h.env.SignalWorkflow(workflows.EventPostedSignal, caseClosed("ev_1")) })

	st := h.complete(waitForCaseClosed())

	require.Equal(t, true, st.Variables["case_closed.received"])
	require.Equal(t, "2026-11-23T11:45:00Z", st.Variables["case_closed.at"])
	require.Equal(t, "fixed", st.Variables["case_closed.resolution"])
	require.Equal(t, 42.0, st.Variables["case_closed.minutes"])
	require.Equal(t, "Your case is fixed, says Sam", h.sms[0].Text)
	require.True(t, caseClosedAt.Equal(h.env.Now()), "the run went on when the event came")
	require.Equal(t, []workflows.PostedEventRecord{{ID: "ev_1", Name: "case_closed", At: caseClosedAt}}, st.PostedEvents)
}

// An event posted before the run reaches its wait is kept, and seen at
// once when it gets there; signalled twice (a post repeated), it is taken
// once.
func TestWaitForEventSeesAnEventPostedBeforeAtOnce(t *testing.T) {
	h := newHarness(t)
	h.at(90*time.Minute, func() {
		h.env.SignalWorkflow(workflows.EventPostedSignal, caseClosed("ev_1"))
		h.env.SignalWorkflow(workflows.EventPostedSignal, caseClosed("ev_1"))
	})

	st := h.complete(waitForCaseClosed(entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}))

	require.Equal(t, true, st.Variables["case_closed.received"])
	require.True(t, start.Add(24*time.Hour).Equal(h.env.Now()), "no wait after the day's pause")
	require.Len(t, st.PostedEvents, 1, "the same post is taken once")
}

// An event posted before the run could take signals (its start was not
// confirmed) is found in the store when the step begins.
func TestWaitForEventFindsAnEventKeptInTheStore(t *testing.T) {
	h := newHarness(t)
	ev := caseClosed("ev_kept")
	ev.At = start.Add(-time.Minute)
	h.kept["case_closed"] = &ev

	st := h.complete(waitForCaseClosed())

	require.Equal(t, true, st.Variables["case_closed.received"])
	require.Equal(t, "fixed", st.Variables["case_closed.resolution"])
	require.True(t, start.Equal(h.env.Now()))
}

// Without the event the run goes on after the timeout, received false;
// the later of two posts of a name wins.
func TestWaitForEventTimesOut(t *testing.T) {
	h := newHarness(t)
	in := input(
		entry.Step{ID: "closed", Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "5d"}},
		entry.Step{ID: "check", Spec: &entry.If{Condition: "!case_closed.received",
			Then: []entry.Step{{ID: "nudge", Spec: &entry.SendSMS{Text: entry.Plain("Is your case still open?")}}}}},
		entry.Step{ID: "again", Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "1d"}},
	)
	later := caseClosed("ev_2")
	later.At, later.Data = start.Add(5*24*time.Hour+time.Hour), map[string]any{"resolution": "refunded"}
	h.at(5*24*time.Hour+time.Hour, func() { h.env.SignalWorkflow(workflows.EventPostedSignal, later) })

	st := h.complete(in)

	require.Len(t, h.sms, 1, "the nudge went after the timeout")
	require.Equal(t, true, st.Variables["case_closed.received"], "the second wait took the later post")
	require.Equal(t, "refunded", st.Variables["case_closed.resolution"])
}
