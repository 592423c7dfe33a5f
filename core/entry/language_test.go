package entry_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

// translated is a Text by language, for the fixtures.
func translated(byLanguage map[string]string) entry.Text { return entry.Translated(byLanguage) }

func TestTextFieldsTakeAStringOrAnObjectByLanguage(t *testing.T) {
	t.Parallel()
	e, err := entry.Decode([]byte(`{"name": "x", "default_language": "es", "triggers": [], "steps": [
		{"type": "send_sms", "text": "Hola"},
		{"type": "send_sms", "text": {"es": "Hola", "ja": "こんにちは", "en-GB": "Hello"}}]}`))
	require.NoError(t, err)
	require.Equal(t, "es", e.DefaultLanguage)
	require.Equal(t, entry.Plain("Hola"), e.Steps[0].Spec.(*entry.SendSMS).Text)
	byLang := e.Steps[1].Spec.(*entry.SendSMS).Text
	require.Equal(t, []string{"en-GB", "es", "ja"}, byLang.Languages())

	data, err := json.Marshal(e.Steps)
	require.NoError(t, err)
	require.JSONEq(t, `[{"type":"send_sms","text":"Hola"},{"type":"send_sms","text":{"en-GB":"Hello","es":"Hola","ja":"こんにちは"}}]`, string(data))
}

func TestATextOfAnotherShapeIsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	for body, message := range map[string]string{
		`{"type": "send_sms", "text": 5}`:               "steps[0].text: must be a string, or an object of strings by language",
		`{"type": "send_sms", "text": ["a"]}`:           "steps[0].text: must be a string, or an object of strings by language",
		`{"type": "send_sms", "text": {"en": 5}}`:       "steps[0].text: must be a string, or an object of strings by language",
		`{"type": "send_sms", "text": {"en": {"a":1}}}`: "steps[0].text: must be a string, or an object of strings by language",
	} {
		_, err := entry.Decode([]byte(`{"name": "x", "steps": [` + body + `]}`))
		require.ErrorContains(t, err, message, body)
	}
}

func TestValidateChecksTheLanguagesOfTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(*entry.Entry)
		path    string
		message string
	}{
		{"the default language in every text", func(e *entry.Entry) {
			sms(e).Text = translated(map[string]string{"es": "Gracias", "ja": "ありがとう"})
		}, "steps[2].text", `has no "en" text, the entry's default_language`},
		{"the entry's own default language", func(e *entry.Entry) {
			e.DefaultLanguage = "ja"
			sms(e).Text = translated(map[string]string{"en": "Thanks", "es": "Gracias"})
		}, "steps[2].text", `has no "ja" text, the entry's default_language`},
		{"an unknown language tag", func(e *entry.Entry) {
			sms(e).Text = translated(map[string]string{"en": "Thanks", "klingonese": "Qapla'"})
		}, "steps[2].text", `"klingonese" is not a known language tag`},
		{"two tags for one language", func(e *entry.Entry) {
			sms(e).Text = translated(map[string]string{"en": "Thanks", "es": "Gracias", "ES": "Gracias"})
		}, "steps[2].text", `"ES" and "es" name the same language`},
		{"an empty text in a language", func(e *entry.Entry) {
			sms(e).Text = translated(map[string]string{"en": "Thanks", "es": ""})
		}, "steps[2].text.es", "is empty"},
		{"each language's template", func(e *entry.Entry) {
			sms(e).Text = translated(map[string]string{"en": "Thanks", "es": "Gracias $(customer.first_name"})
		}, "steps[2].text.es", "without its closing"},
		{"each language's length", func(e *entry.Entry) {
			survey(e).Question = translated(map[string]string{"en": "How?", "de": strings.Repeat("ü", 1001)})
		}, "steps[0].question.de", "is 1001 characters long"},
		{"each language's survey link", func(e *entry.Entry) {
			survey(e).Text = translated(map[string]string{"en": "Rate us: $(survey.url)", "fr": "Notez-nous"})
		}, "steps[0].text.fr", "must contain $(survey.url)"},
		{"an unknown default language", func(e *entry.Entry) { e.DefaultLanguage = "xx" },
			"default_language", `"xx" is not a known language tag`},
		{"an email survey's html shows the link or the buttons", func(e *entry.Entry) {
			survey(e).HTML = entry.Plain("<p>Hello</p>")
		}, "steps[0].html", "must contain $(survey.url) or $(survey.rating_links)"},
		{"html ccflow can escape", func(e *entry.Entry) {
			apology(e).HTML = entry.Plain(`<a href="$(customer.first_name)`)
		}, "steps[1].then[0].html", "ends inside a tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := valid()
			tt.change(&e)
			entry.Normalize(&e)
			validationtest.RequireOne(t, entry.Validate(e, entry.DefaultCatalog()), tt.path, tt.message)
		})
	}
}

func TestValidateAcceptsTextsByLanguage(t *testing.T) {
	t.Parallel()
	e := valid()
	e.DefaultLanguage = "ES"
	survey(&e).Question = translated(map[string]string{"es": "¿Qué tal?", "en": "How did we do?", "ja-jp": "いかがでしたか？"})
	survey(&e).Text = translated(map[string]string{"es": "Valórenos: $(survey.url)", "en": "Rate us: $(survey.rating_links)\n$(survey.url)"})
	survey(&e).HTML = entry.Plain(`<div>$(survey.rating_links)</div>`)
	survey(&e).Subject = translated(map[string]string{"es": "  Su llamada  "})
	sms(&e).Text = translated(map[string]string{"es": "Gracias"})
	apology(&e).Subject = entry.Plain("Sorry")
	apology(&e).Text = translated(map[string]string{"es": "Perdón", "en": "Sorry"})
	entry.Normalize(&e)

	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
	require.Equal(t, "es", e.DefaultLanguage, "Normalize writes tags in canonical form")
	require.Equal(t, []string{"en", "es", "ja-JP"}, survey(&e).Question.Languages())
	subject, _ := survey(&e).Subject.In("es")
	require.Equal(t, "Su llamada", subject, "single-line texts are trimmed in every language")
	require.Equal(t, []string{"es", "en", "ja-JP"}, e.Languages())
}

func TestARunReadsTheLanguageClosestToTheCustomers(t *testing.T) {
	t.Parallel()
	e := valid()
	survey(&e).Question = translated(map[string]string{"en": "How did we do?", "es": "¿Qué tal?", "ja": "いかがでしたか？"})
	tests := []struct{ customer, run, question string }{
		{"es-MX", "es", "¿Qué tal?"},
		{"ja-JP", "ja", "いかがでしたか？"},
		{"pt-BR", "en", "How did we do?"},
		{"", "en", "How did we do?"},
		{"not a tag", "en", "How did we do?"},
	}
	for _, tt := range tests {
		lang := entry.RunLanguage(e, tt.customer)
		require.Equal(t, tt.run, lang, tt.customer)
		require.Equal(t, tt.question, survey(&e).Question.For(lang, e.Language()), tt.customer)
		require.Equal(t, "Thanks", sms(&e).Text.For(lang, e.Language()), "a plain text is every language's")
	}
	e.DefaultLanguage = "ja"
	require.Equal(t, "ja", entry.RunLanguage(e, "de"), "else the entry's default_language")
}

// The scenario steps' customer texts are the ordinary steps a fallback or
// a split's branch holds: they are written per language as any other, a
// run's language is chosen among theirs too, and their problems are named
// where they are.
func TestTextsInFallbacksAndBranchesAreWrittenPerLanguage(t *testing.T) {
	t.Parallel()
	entryWith := func(fallbackSubject, branchText entry.Text) entry.Entry {
		e := valid()
		e.Steps = []entry.Step{
			{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us"),
				Fallback: []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{Subject: fallbackSubject, Text: entry.Plain("$(message.fallback)")}}}}},
			{ID: "ab", Spec: &entry.Split{Branches: []entry.Branch{
				{ID: "a", Weight: 50, Steps: []entry.Step{{ID: "a-sms", Spec: &entry.SendSMS{Text: branchText}}}},
				{ID: "b", Weight: 50}}}},
		}
		entry.Normalize(&e)
		return e
	}

	e := entryWith(translated(map[string]string{"en": "About your call", "fr": "À propos de votre appel"}),
		translated(map[string]string{"en": "Thanks", "de": "Danke"}))
	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
	require.Equal(t, []string{"en", "de", "fr"}, e.Languages(), "the fallback's and the branch's languages are the entry's")
	require.Equal(t, "fr", entry.RunLanguage(e, "fr-CA"))

	e = entryWith(translated(map[string]string{"fr": "À propos de votre appel"}), entry.Plain("Thanks"))
	validationtest.RequireOne(t, entry.Validate(e, entry.DefaultCatalog()), "steps[0].fallback[0].subject", `has no "en" text, the entry's default_language`)
	e = entryWith(entry.Plain("About your call"), translated(map[string]string{"en": "Thanks", "de": "Danke $(customer.first_name"}))
	validationtest.RequireOne(t, entry.Validate(e, entry.DefaultCatalog()), "steps[1].branches[0].steps[0].text.de", "without its closing")
}
