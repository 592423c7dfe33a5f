package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/workflows"
)

// unset stands for CurrentStepAttr being removed from the run.
const unset = "(unset)"

// publishedSteps records, in order, the values the run gives
// CurrentStepAttr.
func (h *harness) publishedSteps() *[]string {
	steps := &[]string{}
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if sa.Size() == 0 { // the SDK hides which key an update unsets
			*steps = append(*steps, unset)
			return
		}
		step, ok := sa.GetKeyword(workflows.CurrentStepAttr)
		require.True(h.t, ok && sa.Size() == 1, "the run upserts nothing but its current step: %v", sa.GetUntypedValues())
		*steps = append(*steps, step)
	}).Return()
	return steps
}

// The current step is the step a run waits at durably: a visibility query
// sees a run between its workflow tasks, so the run publishes its step once
// per task, when it waits on a timer, an answer or an event (here pause),
// and unsets it while a step's activity runs (follow-up-sms): a query for
// the runs waiting at a step finds those. A run of lean-commands version 3
// published the step of an activity too; a run from before lean-commands
// every step it reached, tier included.
func TestTheCurrentStepIsTheStepTheRunWaitsAt(t *testing.T) {
	for _, tt := range []struct {
		name string
		lean workflow.Version
		want []string
	}{
		{name: "the step the run waits at durably", lean: workflows.LeanVersion, want: []string{"pause", unset}},
		{name: "an activity's step too, in a run of lean-commands 3", lean: 3, want: []string{"pause", "follow-up-sms", unset}},
		{name: "every step, in a run from before lean-commands", lean: workflow.DefaultVersion, want: []string{"tier", "pause", "follow-up-sms", unset}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env.OnGetVersion("lean-commands", workflow.DefaultVersion, workflows.LeanVersion).Return(tt.lean)
			steps := h.publishedSteps()

			h.complete(input(
				entry.Step{ID: "tier", Spec: &entry.SetVariable{Name: "tier", Value: "gold"}},
				entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}},
				entry.Step{ID: "follow-up-sms", Spec: &entry.SendSMS{Text: entry.Plain("How is it going?")}},
			))

			require.Equal(t, tt.want, *steps)
		})
	}
}

// A run of sends alone makes no upsert: its steps wait on activities only,
// for seconds, and the run completes with nothing to unset.
func TestARunOfSendsAlonePublishesNoStep(t *testing.T) {
	h := newHarness(t)
	steps := h.publishedSteps()

	h.complete(input(
		entry.Step{ID: "greeting", Spec: &entry.SetVariable{Name: "greeting", Value: "Hi"}},
		entry.Step{ID: "email", Spec: &entry.SendEmail{Subject: entry.Plain("Hello"), Text: entry.Plain("$(greeting)")}},
		entry.Step{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain("$(greeting)")}},
	))

	require.Empty(t, *steps)
}

// A send held for quiet hours waits durably on its timer: the run is
// found at its step until the window opens and the message goes.
func TestASendHeldForQuietHoursIsTheCurrentStepWhileHeld(t *testing.T) {
	h := newHarness(t)
	h.outcomes["text"] = workflows.Delivery{Status: workflows.SendHeld, Until: start.Add(10 * time.Hour), Wait: 10 * time.Hour,
		Code: policy.CodeQuietHours, Reason: "quiet hours until 2026-11-23 15:15 America/New_York"}
	h.at(time.Hour, func() { delete(h.outcomes, "text") })
	steps := h.publishedSteps()

	h.complete(input(
		entry.Step{ID: "text", Spec: &entry.SendSMS{Text: entry.Plain("Hello")}},
		entry.Step{ID: "thanks", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain("Thanks")}},
	))

	require.Equal(t, []string{"text", unset}, *steps)
}

func TestAFailedRunKeepsTheStepItFailedAtAsItsCurrentStep(t *testing.T) {
	h := newHarness(t)
	steps := h.publishedSteps()

	err := h.run(input(entry.Step{ID: "invoice-email", Spec: &entry.SendEmail{Subject: entry.Plain("Invoice"), Text: entry.Plain("$(invoice_id)")}}))

	require.Error(t, err)
	require.Equal(t, []string{"invoice-email"}, *steps)
}

// A fired event's steps run beside the main steps' wait: while its SMS
// sends, the run waits at no step durably (its current step is the
// event's), and once the event's steps are done it waits at pause again.
func TestAFiredEventsSendLeavesTheWaitAndTheRunReturnsToIt(t *testing.T) {
	h := newHarness(t)
	steps := h.publishedSteps()

	h.complete(input(
		entry.Step{ID: "schedule-reminder", Spec: &entry.ScheduleEvent{Name: "reminder", After: "1h",
			Steps: []entry.Step{{ID: "reminder-sms", Spec: &entry.SendSMS{Text: entry.Plain("A reminder.")}}}}},
		entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2h"}},
	))

	require.Equal(t, []string{"pause", unset, "pause", unset}, *steps)
}
