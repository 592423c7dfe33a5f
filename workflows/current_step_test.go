package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
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

func TestTheCurrentStepIsASearchAttributeUntilTheRunCompletes(t *testing.T) {
	h := newHarness(t)
	steps := h.publishedSteps()

	h.complete(input(
		entry.Step{ID: "tier", Spec: &entry.SetVariable{Name: "tier", Value: "gold"}},
		entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}},
		entry.Step{ID: "follow-up-sms", Spec: &entry.SendSMS{Text: entry.Plain("How is it going?")}},
	))

	require.Equal(t, []string{"tier", "pause", "follow-up-sms", unset}, *steps)
}

func TestAFailedRunKeepsTheStepItFailedAtAsItsCurrentStep(t *testing.T) {
	h := newHarness(t)
	steps := h.publishedSteps()

	err := h.run(input(entry.Step{ID: "invoice-email", Spec: &entry.SendEmail{Subject: entry.Plain("Invoice"), Text: entry.Plain("$(invoice_id)")}}))

	require.Error(t, err)
	require.Equal(t, []string{"invoice-email"}, *steps)
}

func TestAStepOfAFiredEventIsTheCurrentStepWhileItRuns(t *testing.T) {
	h := newHarness(t)
	steps := h.publishedSteps()

	h.complete(input(
		entry.Step{ID: "schedule-reminder", Spec: &entry.ScheduleEvent{Name: "reminder", After: "1h",
			Steps: []entry.Step{{ID: "reminder-sms", Spec: &entry.SendSMS{Text: entry.Plain("A reminder.")}}}}},
		entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2h"}},
	))

	require.Equal(t, []string{"schedule-reminder", "pause", "reminder-sms", "pause", unset}, *steps)
}
