package templates_test

import (
	"testing"

	"github.com/ccflow/ccflow/templates"
	"github.com/ccflow/ccflow/vars"
)

// runVars are the variables of a run of SPEC's example event once its
// survey is answered: what a step's template is rendered against.
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
	"customer.last_name":            "Lovelace",
	"customer.email":                "ada@example.com",
	"customer.phone":                "+15551234567",
	"customer.time_zone":            "America/New_York",
	"customer.language":             "en",
	"case.id":                       "CASE-9",
	"case.number":                   "9",
	"case.disposition":              "Need more information",
	"case.final":                    false,
	"order_id":                      "A-17",
	"survey.url":                    "https://cc.example/s/eyJ3IjoicG9zdC1jYWxsLXN1cnZleS9JTlQtMTAwMSJ9.c2ln",
	"survey.answered":               true,
	"survey.score":                  2,
	"survey.comment":                "Took too long.",
}

// surveyText is the survey email of the seed entry
// (examples/entries/post-call-survey.yaml).
const surveyText = `Hi $(customer.first_name),

Thank you for calling $(interaction.service). It takes one tap to tell
us how it went: $(survey.url)
`

func BenchmarkRender(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := templates.Render(surveyText, runVars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderHTML(b *testing.B) {
	const html = `<p>Hi $(customer.first_name),</p><p>How did $(agent.name) do? <a href="$(survey.url)">Rate the call</a></p>`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := templates.RenderHTML(html, runVars); err != nil {
			b.Fatal(err)
		}
	}
}
