package conditions_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/vars"
)

// customerVars are the customer fields of SPEC's example event.
func customerVars() vars.Vars {
	return vars.Vars{
		"customer.id": "C-77", "customer.first_name": "Ada", "customer.last_name": "Lovelace",
		"customer.email": "ada@example.com", "customer.phone": "+15551234567",
		"customer.time_zone": "America/New_York", "customer.language": "en",
		"reply.body": map[string]any{
			"items": []any{map[string]any{"sku": "A-17", "qty": 2.0, "note": "gift"}},
			"z":     1.0, "a": 2.0, "m": 3.0,
		},
	}
}

// A condition that walks a map must give the same answer every time, or
// a replay can take the other branch: maps iterate in sorted key order.
func TestEvalOverMapsIsTheSameEveryTime(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{`customer.map(k, k)[0] == "email"`, true},
		{`customer.map(k, k)[6] == "time_zone"`, true},
		{`customer.filter(k, k.endsWith("name"))[0] == "first_name"`, true},
		{`reply.body.map(k, k) == ["a", "items", "m", "z"]`, true},
		{`reply.body.items[0].map(k, k)[0] == "note"`, true},
		{`reply.body.map(k, reply.body[k])[0] == 2.0`, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			v := customerVars()
			for i := range 200 {
				got, err := conditions.Eval(tt.expr, v)
				require.NoError(t, err)
				require.Equal(t, tt.want, got, "evaluation %d", i+1)
			}
		})
	}
}

// Programs are compiled once and shared: many goroutines evaluating the
// same conditions over their own variables each get their own answer.
func TestEvalIsSafeForConcurrentUse(t *testing.T) {
	exprs := []string{"survey.score <= 2", "survey.answered && survey.score <= 2", `customer.map(k, k)[0] == "email"`}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				score := (g+i)%5 + 1
				v := customerVars()
				v["survey.answered"] = true
				v["survey.score"] = score
				for _, expr := range exprs {
					got, err := conditions.Eval(expr, v)
					if err != nil {
						t.Errorf("%s: %v", expr, err)
						return
					}
					if want := expr == exprs[2] || score <= 2; got != want {
						t.Errorf("%s with score %d = %v, want %v", expr, score, got, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestEvalCompilesEachConditionOnce(t *testing.T) {
	expr := fmt.Sprintf("survey.score <= %d", 3) // an expression no other test uses
	before := conditions.Compilations()

	for score := range 50 {
		_, err := conditions.Eval(expr, vars.Vars{"survey.score": score})
		require.NoError(t, err)
	}

	require.Equal(t, before+1, conditions.Compilations())
}
