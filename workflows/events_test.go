package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// schedule is a schedule_event step of id and name whose event sends one
// SMS of text.
func schedule(id, name, after, text string) entry.Step {
	return entry.Step{ID: id, Spec: &entry.ScheduleEvent{Name: name, After: after,
		Steps: []entry.Step{{ID: id + "-sms", Spec: &entry.SendSMS{Text: entry.Plain(text)}}}}}
}

func clearStep(id, name string) entry.Step {
	return entry.Step{ID: id, Spec: &entry.ClearEvent{Name: name}}
}

func waitStep(id, duration string) entry.Step {
	return entry.Step{ID: id, Spec: &entry.Wait{Duration: duration}}
}

// clearResult is how a clear-event update ended.
type clearResult struct {
	result    workflows.ClearEventResult
	rejection error
}

// clear sends the clear-event update; its outcome is known once the run
// has next run.
func (h *harness) clear(name string) *clearResult {
	res := &clearResult{}
	h.updates++
	h.env.UpdateWorkflow(workflows.ClearEventUpdate, fmt.Sprintf("clear-%d", h.updates), &testsuite.TestUpdateCallback{
		OnReject: func(err error) { res.rejection = err },
		OnAccept: func() {},
		OnComplete: func(v any, err error) {
			require.NoError(h.t, err)
			res.result = v.(workflows.ClearEventResult)
		},
	}, workflows.ClearEvent{Name: name, By: "api"})
	return res
}

// smsTexts lists the texts of the SMS sent, in order.
func (h *harness) smsTexts() []string {
	texts := []string{}
	for _, m := range h.sms {
		texts = append(texts, m.Text)
	}
	return texts
}

// utcEvents puts the times of event records in UTC, as they come back
// from JSON in the machine's zone.
func utcEvents(es []workflows.ScheduledEvent) []workflows.ScheduledEvent {
	for i := range es {
		e := &es[i]
		e.ScheduledAt, e.DueAt, e.FiredAt, e.ClearedAt = e.ScheduledAt.UTC(), e.DueAt.UTC(), e.FiredAt.UTC(), e.ClearedAt.UTC()
	}
	return es
}

func TestAnEventScheduledAWeekOutFiresOnce(t *testing.T) {
	h := newHarness(t)
	var timers []time.Duration
	h.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { timers = append(timers, d) })

	st := h.complete(input(
		schedule("check-in", "check-in", "1w", "How is it going, $(customer.first_name)?"),
		entry.Step{ID: "thanks", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain("Thanks for calling")}},
	))

	require.Equal(t, []string{"How is it going, Ada?"}, h.smsTexts())
	require.Equal(t, workflowID+"/check-in-sms", h.sms[0].Key)
	require.Len(t, h.emails, 1, "the main steps went on at once")
	require.Equal(t, []time.Duration{durations.Week}, timers)
	week := start.Add(durations.Week)
	require.Equal(t, week, utcMessages(st.Messages)[1].SentAt)
	require.Equal(t, []workflows.ScheduledEvent{{Name: "check-in", StepID: "check-in", Status: workflows.EventFired,
		ScheduledAt: start, DueAt: week, FiredAt: week}}, utcEvents(st.Events))
	require.Equal(t, week, h.env.Now().UTC(), "the run ended when the event's steps did")
}

func TestTheRunStaysOpenUntilItsEventsFire(t *testing.T) {
	h := newHarness(t)
	var during workflows.State
	h.at(24*time.Hour, func() { during = h.state() })

	h.complete(input(
		schedule("check-in", "check-in", "1w", "How is it going?"),
		schedule("survey-reminder", "survey-reminder", "2d", "Did you see our survey?"),
	))

	require.Equal(t, workflows.StatusRunning, during.Status)
	require.Empty(t, during.CurrentStep, "the main steps are done")
	require.Equal(t, "waiting for scheduled events check-in due 2026-11-30 10:15 UTC, survey-reminder due 2026-11-25 10:15 UTC",
		during.Details)
	require.Equal(t, workflows.EventPending, during.Events[0].Status)
	require.Empty(t, during.Messages, "nothing fired before its time")
}

func TestAnEventClearedByAStepNeverFires(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input(
		schedule("check-in", "check-in", "1d", "How is it going?"),
		waitStep("pause", "1h"),
		clearStep("answered", "check-in"),
	))

	require.Empty(t, h.sms)
	require.Equal(t, []workflows.ScheduledEvent{{Name: "check-in", StepID: "check-in", Status: workflows.EventCleared,
		ScheduledAt: start, DueAt: start.Add(24 * time.Hour), ClearedBy: "step answered", ClearedAt: start.Add(time.Hour)}},
		utcEvents(st.Events))
	require.Equal(t, start.Add(time.Hour), h.env.Now().UTC(), "the run ended once nothing was pending")
}

func TestClearingANameThatIsNotPendingIsANoOpTheStateRecords(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input(
		schedule("check-in", "check-in", "1h", "How is it going?"),
		waitStep("pause", "2h"),
		clearStep("too-late", "check-in"),
		clearStep("unknown", "never-scheduled"),
	))

	require.Equal(t, []string{"How is it going?"}, h.smsTexts())
	events := utcEvents(st.Events)
	require.Len(t, events, 3)
	require.Equal(t, workflows.EventFired, events[0].Status)
	at := start.Add(2 * time.Hour)
	require.Equal(t, []workflows.ScheduledEvent{
		{Name: "check-in", Status: workflows.EventNotPending, ClearedBy: "step too-late", ClearedAt: at},
		{Name: "never-scheduled", Status: workflows.EventNotPending, ClearedBy: "step unknown", ClearedAt: at},
	}, events[1:])
}

func TestAnEventClearedByUpdateNeverFires(t *testing.T) {
	h := newHarness(t)
	var first, second *clearResult
	h.at(time.Hour, func() { first = h.clear("check-in") })
	h.at(2*time.Hour, func() { second = h.clear("check-in") })

	st := h.complete(input(schedule("check-in", "check-in", "1d", "How is it going?"), waitStep("pause", "3h")))

	require.Empty(t, h.sms)
	require.True(t, first.result.WasPending)
	require.False(t, second.result.WasPending)
	events := utcEvents(st.Events)
	require.Equal(t, workflows.ScheduledEvent{Name: "check-in", StepID: "check-in", Status: workflows.EventCleared,
		ScheduledAt: start, DueAt: start.Add(24 * time.Hour), ClearedBy: "api", ClearedAt: start.Add(time.Hour)}, events[0])
	require.Equal(t, workflows.ScheduledEvent{Name: "check-in", Status: workflows.EventNotPending,
		ClearedBy: "api", ClearedAt: start.Add(2 * time.Hour)}, events[1])
}

func TestAClearEventUpdateNeedsAName(t *testing.T) {
	h := newHarness(t)
	var res *clearResult
	h.at(time.Minute, func() { res = h.clear("") })

	st := h.complete(input(schedule("check-in", "check-in", "1h", "How is it going?")))

	requireApplicationError(t, res.rejection, workflows.ErrInvalidClearEvent, "name: is required")
	require.Equal(t, workflows.EventFired, st.Events[0].Status)
	require.Len(t, st.Events, 1, "a rejected update leaves no record")
}

func TestReschedulingAPendingEventReplacesIt(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input(
		schedule("first", "check-in", "1d", "first"),
		schedule("second", "check-in", "2d", "second"),
	))

	require.Equal(t, []string{"second"}, h.smsTexts())
	twoDays := start.Add(48 * time.Hour)
	require.Equal(t, twoDays, utcMessages(st.Messages)[0].SentAt)
	require.Equal(t, []workflows.ScheduledEvent{
		{Name: "check-in", StepID: "first", Status: workflows.EventReplaced, ScheduledAt: start,
			DueAt: start.Add(24 * time.Hour), ClearedBy: "step second", ClearedAt: start},
		{Name: "check-in", StepID: "second", Status: workflows.EventFired, ScheduledAt: start, DueAt: twoDays, FiredAt: twoDays},
	}, utcEvents(st.Events))
}

// Each step of an entry runs at most once per run, so the steps of a name
// scheduled again have keys of their own: nothing is suppressed as a
// duplicate and nothing is sent twice.
func TestANameScheduledAgainAfterItFiredFiresAgainUnderKeysOfItsOwn(t *testing.T) {
	h := newHarness(t)
	again := entry.Step{Spec: &entry.ScheduleEvent{Name: "check-in", After: "1h",
		Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("second")}}}}}

	st := h.complete(input(
		entry.Step{Spec: &entry.ScheduleEvent{Name: "check-in", After: "1h",
			Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("first")}}}}},
		waitStep("pause", "2h"),
		again,
	))

	require.Equal(t, []string{"first", "second"}, h.smsTexts())
	require.Equal(t, workflowID+"/steps[0].steps[0]", h.sms[0].Key)
	require.Equal(t, workflowID+"/steps[2].steps[0]", h.sms[1].Key)
	require.Equal(t, "steps[2].steps[0]", st.Messages[1].StepID)
}

func TestAnEventAtATime(t *testing.T) {
	tests := []struct {
		name string
		at   string
		due  time.Time
	}{
		{"from a variable", "$(callback_at)", time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)},
		{"a date from a variable and a local time", "$(callback_date)T09:00:00-05:00", time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)},
		{"a date, at midnight UTC", "2026-11-27", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"in the past, fired at once", "2026-01-01", start},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			in := input(entry.Step{ID: "callback", Spec: &entry.ScheduleEvent{Name: "callback", At: tt.at,
				Steps: []entry.Step{{ID: "callback-sms", Spec: &entry.SendSMS{Text: entry.Plain("We will call you now")}}}}})
			in.Event.Variables["callback_at"] = "2026-11-25T09:00:00Z"
			in.Event.Variables["callback_date"] = "2026-11-26"

			st := h.complete(in)

			require.Len(t, h.sms, 1)
			require.Equal(t, tt.due, utcMessages(st.Messages)[0].SentAt)
			require.Equal(t, tt.due, utcEvents(st.Events)[0].FiredAt)
		})
	}
}

func TestAnEventDueInThePastKeepsItsDueTime(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input(entry.Step{ID: "callback", Spec: &entry.ScheduleEvent{Name: "callback", At: "2026-01-01",
		Steps: []entry.Step{{Spec: &entry.SetVariable{Name: "called", Value: "yes"}}}}}))

	ev := utcEvents(st.Events)[0]
	require.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ev.DueAt)
	require.Equal(t, start, ev.FiredAt)
	require.Equal(t, "yes", st.Variables["called"])
}

func TestAnEventThatCannotBeScheduledFailsItsStep(t *testing.T) {
	tests := []struct {
		name    string
		at      string
		message string
	}{
		{"undefined variable", "$(callback_at)", `step "callback" (schedule_event) failed: at: $(callback_at) is not defined`},
		{"not a time", "$(order_id)", `step "callback" (schedule_event) failed: at: "A-17" is not a time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)

			err := h.run(input(entry.Step{ID: "callback", Spec: &entry.ScheduleEvent{Name: "callback", At: tt.at,
				Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("We will call you now")}}}}}))

			requireApplicationError(t, err, workflows.ErrStepFailed, tt.message)
			require.Empty(t, h.state().Events)
		})
	}
}

func TestCancelingARunDuringAWaitSendsNothingMoreAndDropsItsEvents(t *testing.T) {
	tests := []struct {
		name    string
		request *workflows.CancelRequest
		by      string
		reason  string
	}{
		{"through ccflow's API", &workflows.CancelRequest{By: "ops@example.com", Reason: "the customer called back"},
			"ops@example.com", "the customer called back"},
		{"from the Web UI or the CLI", nil, workflows.OperatorOutsideCcflow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.at(time.Hour, func() {
				if tt.request != nil {
					h.env.SignalWorkflow(workflows.CancelRequestSignal, *tt.request)
				}
				h.env.CancelWorkflow()
			})

			err := h.run(input(
				schedule("check-in", "check-in", "1d", "How is it going?"),
				entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1w"}, OnError: tellOps},
				entry.Step{ID: "follow-up", Spec: &entry.SendSMS{Text: entry.Plain("Still fine?")}},
			))

			var canceled *temporal.CanceledError
			require.ErrorAs(t, err, &canceled)
			require.Empty(t, h.sms)
			require.Empty(t, h.emails)
			st := h.state()
			require.Equal(t, workflows.StatusCanceled, st.Status)
			require.Equal(t, &workflows.Cancellation{By: tt.by, Reason: tt.reason, At: start.Add(time.Hour)},
				utcCancellation(st.Canceled))
			require.Equal(t, "canceled by "+tt.by, st.Details)
			require.Equal(t, workflows.EventDropped, st.Events[0].Status)
			require.Equal(t, start.Add(time.Hour), st.Events[0].ClearedAt.UTC())
		})
	}
}

func TestCancelingARunWhileAnEventsStepsWaitSendsNothingMore(t *testing.T) {
	h := newHarness(t)
	h.at(2*time.Hour, h.env.CancelWorkflow)

	err := h.run(input(entry.Step{ID: "check-in", Spec: &entry.ScheduleEvent{Name: "check-in", After: "1h",
		Steps: []entry.Step{waitStep("event-pause", "1d"), {Spec: &entry.SendSMS{Text: entry.Plain("never")}}}}}))

	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
	require.Empty(t, h.sms)
	require.Equal(t, workflows.EventFired, h.state().Events[0].Status)
}

func TestOnErrorInsideAnEventsSteps(t *testing.T) {
	h := newHarness(t)
	h.failures["check-in-sms"] = []error{temporal.NewNonRetryableApplicationError("invalid number", "TwilioRejected", nil)}

	st := h.complete(input(entry.Step{ID: "check-in", Spec: &entry.ScheduleEvent{Name: "check-in", After: "1d",
		Steps: []entry.Step{
			{ID: "check-in-sms", Spec: &entry.SendSMS{Text: entry.Plain("How is it going?")}, OnError: tellOps},
			{ID: "after", Spec: &entry.SetVariable{Name: "went_on", Value: "yes"}},
		}}}))

	require.Len(t, h.emails, 1)
	require.Equal(t, "Follow-up failed at check-in-sms", h.emails[0].Subject)
	require.Equal(t, "sending SMS to +15551234567: invalid number", h.emails[0].Text)
	require.Equal(t, start.Add(24*time.Hour), utcMessages(st.Messages)[0].SentAt)
	require.Equal(t, "yes", st.Variables["went_on"])
	require.Equal(t, "check-in-sms", st.Errors[0].StepID)
}

func TestTheScheduleStepsOnErrorHandlesAFailureOfItsEventsSteps(t *testing.T) {
	h := newHarness(t)

	st := h.complete(input(entry.Step{ID: "check-in", Spec: &entry.ScheduleEvent{Name: "check-in", After: "1d", Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("About $(invoice_id)")}}}},
		OnError: tellOps}))

	require.Empty(t, h.sms)
	require.Len(t, h.emails, 1)
	require.Equal(t, "Follow-up failed at steps[0].steps[0]", h.emails[0].Subject)
	require.Equal(t, start.Add(24*time.Hour), utcMessages(st.Messages)[0].SentAt, "on_error ran when the event fired")
}

func TestAnEventsStepFailingWithoutOnErrorFailsTheRunAndStopsTheMainSteps(t *testing.T) {
	h := newHarness(t)

	err := h.run(input(
		entry.Step{ID: "check-in", Spec: &entry.ScheduleEvent{Name: "check-in", After: "1h",
			Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("About $(invoice_id)")}}}}},
		entry.Step{ID: "later", Spec: &entry.ScheduleEvent{Name: "later", After: "1d",
			Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("never")}}}}},
		waitStep("pause", "1w"),
		entry.Step{ID: "follow-up", Spec: &entry.SendSMS{Text: entry.Plain("never")}},
	))

	requireApplicationError(t, err, workflows.ErrStepFailed,
		`step "steps[0].steps[0]" (send_sms) failed: text: $(invoice_id) is not defined`)
	require.Empty(t, h.sms)
	require.Equal(t, start.Add(time.Hour), h.env.Now().UTC(), "the run failed when the event did")
	st := h.state()
	require.Equal(t, workflows.StatusFailed, st.Status)
	require.Equal(t, "steps[0].steps[0]", st.CurrentStep)
	require.Equal(t, workflows.EventDropped, st.Events[1].Status)
}

func TestAnEventsStepsShowBesideTheMainSteps(t *testing.T) {
	h := newHarness(t)
	var firing, after workflows.State
	h.at(24*time.Hour+30*time.Minute, func() { firing = h.state() })
	h.at(48*time.Hour, func() { after = h.state() })

	h.complete(input(
		entry.Step{ID: "check-in", Spec: &entry.ScheduleEvent{Name: "check-in", After: "1d",
			Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("How is it going?")}}, waitStep("event-pause", "1h")}}},
		waitStep("pause", "1w"),
		entry.Step{ID: "follow-up", Spec: &entry.SendSMS{Text: entry.Plain("Still fine?")}},
	))

	require.Equal(t, "event-pause", firing.CurrentStep)
	require.Equal(t, "waiting 7d until 2026-11-30 10:15 UTC before step follow-up; "+
		"event check-in: waiting 1h until 2026-11-24 11:15 UTC before the end of event check-in (step event-pause)", firing.Details)
	require.Equal(t, "pause", after.CurrentStep)
	require.Equal(t, "waiting 7d until 2026-11-30 10:15 UTC before step follow-up", after.Details)
}

func TestAnEventsSurveyIsAnsweredBesideTheMainSteps(t *testing.T) {
	h := newHarness(t)
	eventSurvey := surveyStep()
	eventSurvey.ID = "event-survey"
	sms := eventSurvey.Spec.(*entry.SendSurvey)
	sms.Channel, sms.Subject, sms.HTML = "sms", entry.Plain(""), entry.Plain("")
	var main, event *updateResult
	h.at(2*time.Hour, func() { event = h.answer(workflows.SurveyAnswer{SurveyID: workflowID + "/event-survey", Score: 4}) })
	h.at(3*time.Hour, func() { main = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 2}) })

	st := h.complete(input(
		entry.Step{ID: "second-survey", Spec: &entry.ScheduleEvent{Name: "second-survey", After: "1h",
			Steps: []entry.Step{eventSurvey}}},
		surveyStep(),
	))

	require.True(t, event.accepted)
	require.True(t, main.accepted)
	require.EqualValues(t, 2, st.Variables["survey.score"], "the last answer sets the score")
}

func utcCancellation(c *workflows.Cancellation) *workflows.Cancellation {
	if c != nil {
		c.At = c.At.UTC()
	}
	return c
}
