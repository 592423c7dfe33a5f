package conditions_test

import (
	"testing"

	"github.com/ccflow/ccflow/conditions"
	"github.com/ccflow/ccflow/vars"
)

// runVars are the variables of a run of SPEC's example event once its
// survey is answered: what the seed entry's condition is evaluated over.
var runVars = vars.Vars{
	"interaction.id":                "INT-1001",
	"interaction.service":           "Billing Support",
	"interaction.channel":           "voice",
	"interaction.disposition":       "Problem solved",
	"interaction.average_sentiment": 0.62,
	"interaction.ended_at":          "2026-11-23T10:15:00Z",
	"agent.id":                      "A-7",
	"agent.name":                    "Sam",
	"customer.id":                   "C-77",
	"customer.first_name":           "Ada",
	"customer.email":                "ada@example.com",
	"customer.phone":                "+15551234567",
	"case.id":                       "CASE-9",
	"case.number":                   "9",
	"case.disposition":              "Need more information",
	"case.final":                    false,
	"order_id":                      "A-17",
	"survey.url":                    "https://cc.example/s/abc.def",
	"survey.answered":               true,
	"survey.score":                  2,
	"survey.comment":                "Took too long.",
}

// BenchmarkEval measures the seed entry's branch. Eval compiles the
// expression on every call, so this is compile and evaluation together.
func BenchmarkEval(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ok, err := conditions.Eval("survey.answered && survey.score <= 2", runVars)
		if err != nil || !ok {
			b.Fatalf("Eval = %v, %v; want true", ok, err)
		}
	}
}
