package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// SPEC's example condition on a survey nobody answered: survey.score is
// not set, so survey.score <= 2 does not hold and the run takes else,
// saying why in its state, instead of failing.
func TestAConditionOnAVariableTheRunLacksDoesNotHold(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		missing   string
	}{
		{"an unanswered survey's score", "survey.score <= 2", "survey.score"},
		{"its negation", "!(survey.score <= 2)", "survey.score"},
		{"an event variable the event lacks", "loyalty_tier == 'gold'", "loyalty_tier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			check := entry.Step{ID: "check", Spec: &entry.If{Condition: tt.condition,
				Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: entry.Plain("Sorry")}}},
				Else: []entry.Step{{ID: "other", Spec: &entry.SetVariable{Name: "branch", Value: "else"}}}}}

			st := h.complete(input(surveyStep(), check))

			require.Equal(t, "else", st.Variables["branch"])
			require.Empty(t, h.sms, "no apology")
			require.Empty(t, st.Errors)
			require.Equal(t, []workflows.Note{{StepID: "check",
				Message: `condition "` + tt.condition + `" does not hold: the run has no ` + tt.missing,
				At:      start.Add(7 * 24 * time.Hour)}}, st.Notes)
		})
	}
}

// The same condition with a variable the run has decides as before, and a
// condition that fails for another reason still fails its step.
func TestAConditionThatFailsOtherwiseIsStillAStepError(t *testing.T) {
	h := newHarness(t)
	check := entry.Step{ID: "check", Spec: &entry.If{Condition: "order_id > 3",
		Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: entry.Plain("Sorry")}}}}}

	err := h.run(input(check))

	require.ErrorContains(t, err, `step "check" (if) failed: condition "order_id > 3": no such overload`)
}
