package conditions_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/vars"
)

func TestEval(t *testing.T) {
	tests := []struct {
		name string
		expr string
		v    vars.Vars
		want bool
	}{
		{"int score at the limit", "survey.score <= 2", vars.Vars{"survey.score": 2}, true},
		{"int score above", "survey.score <= 2", vars.Vars{"survey.score": 3}, false},
		{"float64 score (as decoded from JSON)", "survey.score <= 2", vars.Vars{"survey.score": 2.0}, true},
		{"float64 score above", "survey.score <= 2", vars.Vars{"survey.score": 4.0}, false},
		{"&& stops before a missing field", "survey.answered && survey.score <= 2", vars.Vars{"survey.answered": false}, false},
		{"|| stops before a missing field", "!survey.answered || survey.score <= 2", vars.Vars{"survey.answered": false}, true},
		{"string comparison", `interaction.disposition == "Problem solved"`, vars.Vars{"interaction.disposition": "Problem solved"}, true},
		{"string comparison false", `interaction.disposition == "Spam"`, vars.Vars{"interaction.disposition": "Problem solved"}, false},
		{"event variable by its plain name", `vip && order_id.startsWith("A-")`, vars.Vars{"vip": true, "order_id": "A-17"}, true},
		{"has() on a missing field", "has(survey.score)", vars.Vars{"survey.answered": false}, false},
		{"constant", "true", vars.Vars{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := conditions.Eval(tt.expr, tt.v)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		v       vars.Vars
		message string
	}{
		{"undeclared variable", "survey.score <= 2", vars.Vars{"order_id": "A-17"}, "undeclared reference to 'survey'"},
		{"missing field of a known root", "survey.score <= 2", vars.Vars{"survey.answered": true}, "no such key: score"},
		{"result not a bool", "survey.score + 1", vars.Vars{"survey.score": 2}, "result is not true or false"},
		{"syntax error", "survey.score <=", vars.Vars{"survey.score": 2}, "Syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conditions.Eval(tt.expr, tt.v)
			require.ErrorContains(t, err, tt.message)
			require.ErrorContains(t, err, tt.expr, "the error names the condition")
		})
	}
}

func TestCheck(t *testing.T) {
	require.NoError(t, conditions.Check("survey.score <= 2 && customer.language == 'en'"), "variables need not be known")
	require.ErrorContains(t, conditions.Check("survey.score <="), `"survey.score <=" is not a valid CEL expression`)
}
