package conditions_test

import (
	"encoding/json"
	"testing"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/vars"
	"github.com/ccflow/ccflow/examples"
)

// runVars are the variables of a run of SPEC's example event once its
// survey is answered: what the seed entry's condition is evaluated over.
func runVars(b *testing.B) vars.Vars {
	var ev interaction.Event
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		b.Fatal(err)
	}
	v := ev.Vars()
	v["survey.answered"] = true
	v["survey.score"] = 2
	v["survey.comment"] = "Took too long."
	return v
}

// BenchmarkEval measures the seed entry's branch. Eval compiles an
// expression once and reuses its program, so this is evaluation alone.
func BenchmarkEval(b *testing.B) {
	v := runVars(b)
	b.ReportAllocs()
	for b.Loop() {
		ok, err := conditions.Eval("survey.answered && survey.score <= 2", v)
		if err != nil || !ok {
			b.Fatalf("Eval = %v, %v; want true", ok, err)
		}
	}
}
