package templates_test

import (
	"encoding/json"
	"testing"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
	"github.com/ccflow/ccflow/examples"
)

// runVars are the variables of a run of SPEC's example event once its
// survey is answered: what a step's template is rendered against.
func runVars(b *testing.B) vars.Vars {
	var ev interaction.Event
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		b.Fatal(err)
	}
	v := ev.Vars()
	v["survey.url"] = "https://cc.example/s/i1_zq-TTpjTrLW3Z9BkDqg.8AO7Zoov2mlZbb2Dm3nS3v2R3MnuXsntr3SMn9bm1Us"
	v["survey.answered"] = true
	v["survey.score"] = 2
	v["survey.comment"] = "Took too long."
	return v
}

// surveyText is the survey email of the seed entry
// (examples/entries/post-call-survey.yaml).
const surveyText = `Hi $(customer.first_name),

Thank you for calling $(interaction.service). It takes one tap to tell
us how it went: $(survey.url)
`

func BenchmarkRender(b *testing.B) {
	v := runVars(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := templates.Render(surveyText, v); err != nil {
			b.Fatal(err)
		}
	}
}

const benchHTML = `<p>Hi $(customer.first_name),</p><p>How did $(agent.name) do? <a href="$(survey.url)">Rate the call</a></p>`

// BenchmarkRenderHTML renders an HTML body with html/template's contexts,
// beside BenchmarkRenderHTMLFlat, which escapes every value as text: the
// price of the contexts, once per email.
func BenchmarkRenderHTML(b *testing.B) {
	v := runVars(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := templates.RenderHTML(benchHTML, v, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderHTMLFlat(b *testing.B) {
	v := runVars(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := templates.RenderHTMLFlat(benchHTML, v); err != nil {
			b.Fatal(err)
		}
	}
}
