//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// An entry whose texts are written per language comes back as it went in,
// its tags in canonical form.
func TestAnEntryTakesTextsByLanguage(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	body := surveyEntry("Survey in Spanish")
	body["default_language"] = "ES"
	body["steps"] = []any{map[string]any{"id": "survey", "type": "send_survey", "channel": "email", "wait": "1d", "scale": "0-10",
		"subject":  "Su llamada",
		"question": map[string]any{"es": "¿Nos recomendaría?", "en-gb": "Would you recommend us?"},
		"text":     map[string]any{"es": "Cuéntenos: $(survey.url)", "en-GB": "Tell us: $(survey.url)"},
		"html":     map[string]any{"es": "<div>$(survey.rating_links)</div>"}}}

	created := decode[entry.Entry](t, a.call(http.MethodPost, "/v1/entries", body), http.StatusCreated)

	require.Equal(t, "es", created.DefaultLanguage)
	s := created.Steps[0].Spec.(*entry.SendSurvey)
	require.Equal(t, []string{"en-GB", "es"}, s.Question.Languages())
	require.Equal(t, "0-10", s.Scale)
	require.Equal(t, entry.Plain("Su llamada"), s.Subject)
}

func TestTextsByLanguageAreCheckedNamingTheField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		name    string
		change  func(step map[string]any, e map[string]any)
		field   string
		message string
	}{
		{"the default language in every text", func(s, _ map[string]any) { s["text"] = map[string]any{"es": "Cuéntenos: $(survey.url)"} },
			"steps[0].text", `has no "en" text, the entry's default_language`},
		{"an unknown language tag", func(s, _ map[string]any) {
			s["question"] = map[string]any{"en": "How?", "xx": "?"}
		}, "steps[0].question", `"xx" is not a known language tag`},
		{"an unknown default language", func(_, e map[string]any) { e["default_language"] = "english" },
			"default_language", `"english" is not a known language tag`},
		{"a text that is neither", func(s, _ map[string]any) { s["subject"] = []any{"a"} },
			"steps[0].subject", "must be a string, or an object of strings by language"},
		{"an html that shows no way to answer", func(s, _ map[string]any) {
			s["html"] = map[string]any{"en": "<p>Hello</p>"}
		}, "steps[0].html.en", "must contain $(survey.url) or $(survey.rating_links)"},
		{"an html whose values cannot be placed", func(s, _ map[string]any) {
			s["html"] = `<a href="$(survey.url)`
		}, "steps[0].html", "ends inside a tag"},
		{"a scale that is none", func(s, _ map[string]any) { s["scale"] = "1-10" }, "steps[0].scale", `"1-10" is not a survey scale`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := surveyEntry("Survey " + tt.name)
			step := map[string]any{"id": "survey", "type": "send_survey", "channel": "email", "wait": "1d", "subject": "Hi",
				"question": "How?", "text": "Tell us: $(survey.url)"}
			body["steps"] = []any{step}
			tt.change(step, body)
			e := requireError(t, a.call(http.MethodPost, "/v1/entries", body), http.StatusBadRequest)
			require.Equal(t, tt.field, e.Field)
			require.Contains(t, e.Message, tt.message)
		})
	}
}
