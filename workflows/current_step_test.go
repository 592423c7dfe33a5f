package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

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

// The current step is the step a run waits at: a visibility query sees a
// run between its workflow tasks, so the run publishes its step once per
// task, when it waits, and not the steps it passed meanwhile (here tier,
// which ran in the task that started the wait). A run started before the
// lean-commands change published every step it reached.
func TestTheCurrentStepIsASearchAttributeUntilTheRunCompletes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		before bool
		want   []string
	}{
		{name: "the step the run waits at", want: []string{"pause", "follow-up-sms", unset}},
		{name: "every step, in a run from before lean-commands", before: true, want: []string{"tier", "pause", "follow-up-sms", unset}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.before {
				h.env.OnGetVersion("lean-commands", workflow.DefaultVersion, workflows.LeanVersion).Return(workflow.DefaultVersion)
			}
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

	// schedule-reminder ran in the task that started the pause.
	require.Equal(t, []string{"pause", "reminder-sms", "pause", unset}, *steps)
}
