package conditions_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/vars"
)

// Any text is checked and evaluated without a panic, within the cost
// limit, and the same way every time: a condition decides one branch on
// every replay.
func FuzzCheckAndDecide(f *testing.F) {
	for _, expr := range []string{
		"survey.score <= 2", "survey.answered && survey.score <= 2", `customer.map(k, k)[0] == "email"`,
		"reply.body.items.exists(i, i.qty > 1)", "!(survey.score <= 2)", "survey.scor", "1 + 'a'",
		"[1,2,3].map(x, [x, x]).size() > 2", "has(survey.comment)", "reply.body['id'] == 7.0", "((((",
	} {
		f.Add(expr)
	}
	known := conditions.Known{"survey": {"answered", "comment", "id", "score", "url"}, "reply": {"body", "headers", "status"}}
	v := customerVars()
	v["survey.answered"] = true
	v["survey.score"] = 2
	v["vip"] = true
	f.Fuzz(func(t *testing.T, expr string) {
		_ = conditions.CheckVariables(expr, known)
		first, firstErr := conditions.Decide(expr, v)
		for range 3 {
			again, err := conditions.Decide(expr, v)
			require.Equal(t, first, again, "%q decides the same every time", expr)
			require.Equal(t, firstErr == nil, err == nil, "%q", expr)
		}
		holds, err := conditions.Eval(expr, v)
		if err == nil && firstErr == nil {
			require.Equal(t, first.Holds, holds, "%q: Eval and Decide agree when nothing is missing", expr)
		}
		_, _ = conditions.Eval(expr, vars.Vars{})
	})
}
