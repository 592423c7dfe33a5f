package conditions_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/vars"
)

// A condition that needs a variable the run does not have does not hold:
// an unanswered survey takes the else branch of survey.score <= 2.
func TestDecide(t *testing.T) {
	unanswered := vars.Vars{"survey.answered": false, "survey.url": "https://x/s/1", "vip": true}
	tests := []struct {
		name string
		expr string
		v    vars.Vars
		want conditions.Decision
	}{
		{"SPEC's condition, survey unanswered", "survey.score <= 2", unanswered, conditions.Decision{Missing: "survey.score"}},
		{"its negation does not hold either", "!(survey.score <= 2)", unanswered, conditions.Decision{Missing: "survey.score"}},
		{"no survey step ran at all", "survey.score <= 2", vars.Vars{"vip": true}, conditions.Decision{Missing: "survey.score"}},
		{"an event variable the event lacks", "loyalty_tier == 'gold'", vars.Vars{"vip": true}, conditions.Decision{Missing: "loyalty_tier"}},
		{"a field of a saved answer", "reply.body.id == 7", vars.Vars{"reply.body": map[string]any{"name": "x"}}, conditions.Decision{Missing: "reply.body.id"}},
		{"the guarded form", "survey.answered && survey.score <= 2", unanswered, conditions.Decision{}},
		{"|| with a side that holds", "survey.score <= 2 || vip", unanswered, conditions.Decision{Holds: true}},
		{"answered low", "survey.score <= 2", vars.Vars{"survey.answered": true, "survey.score": 1}, conditions.Decision{Holds: true}},
		{"answered high", "survey.score <= 2", vars.Vars{"survey.answered": true, "survey.score": 5}, conditions.Decision{}},
		{"has() on a missing field", "has(survey.score)", unanswered, conditions.Decision{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := conditions.Decide(tt.expr, tt.v)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// Only a missing variable decides a condition false: every other failure
// is still the step's error.
func TestDecideErrors(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		v       vars.Vars
		message string
	}{
		{"result not a bool", "survey.score + 1", vars.Vars{"survey.score": 2}, "result is not true or false"},
		{"no such overload", "interaction.disposition > 3", vars.Vars{"interaction.disposition": "Spam"}, "no such overload"},
		{"syntax error", "survey.score <=", vars.Vars{"survey.score": 2}, "Syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conditions.Decide(tt.expr, tt.v)
			require.ErrorContains(t, err, tt.message)
			require.ErrorContains(t, err, tt.expr, "the error names the condition")
		})
	}
}

// At save, a condition is checked against the variables a run can have:
// the fields of ccflow's own roots and those an entry's steps set are
// known; other top-level names are event variables, known only at run time.
func TestCheckVariables(t *testing.T) {
	known := conditions.Known{
		"survey": {"answered", "comment", "id", "score", "url"},
		"reply":  {"body", "headers", "status"},
	}
	tests := []struct {
		name    string
		expr    string
		message string // "" when the condition passes
	}{
		{"SPEC's condition", "survey.score <= 2", ""},
		{"guarded", "survey.answered && survey.score <= 2", ""},
		{"event variables are dynamic", "vip && order_id.startsWith('A-')", ""},
		{"deeper into a saved body", "reply.status == 200 && reply.body.tier == 'gold'", ""},
		{"a macro's own variable", "survey.map(k, k).size() > 0 && [1, 2].all(score, score > 0)", ""},
		{"a typo in a field", "survey.scor <= 2",
			"survey.scor is not a variable (under survey there are survey.answered, survey.comment, survey.id, survey.score and survey.url)"},
		{"a typo in has()", "has(survey.answerd)", "survey.answerd is not a variable"},
		{"a typo in a saved answer", "reply.stauts == 200", "reply.stauts is not a variable"},
		{"a literal of the wrong type", "'a' < 2", "does not type-check"},
		{"not a condition", "1 + 2", `"1 + 2" gives int, not true or false`},
		{"a syntax error", "survey.score <=", "is not a valid CEL expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := conditions.CheckVariables(tt.expr, known)
			if tt.message == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.message)
		})
	}
}

func TestCheckVariablesAcceptsAConditionOfUnknownType(t *testing.T) {
	require.NoError(t, conditions.CheckVariables("vip", nil), "an event variable may well be a bool")
	require.NoError(t, conditions.CheckVariables("reply.body.items.exists(i, i.qty > 1)", conditions.Known{"reply": {"body"}}))
}
