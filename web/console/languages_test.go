package console

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// multilingual is an entry whose texts are written per language, with a
// Japanese default.
func multilingual() entry.Entry {
	return entry.Entry{ID: "survey", Name: "Survey", Enabled: true, DefaultLanguage: "ja",
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps: []entry.Step{{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Scale: "0-10", Wait: "1d",
			Question: entry.Translated(map[string]string{"ja": "いかがでしたか？", "en": "How did we do?", "es-MX": "¿Qué tal?"}),
			Subject:  entry.Plain("ご意見をお聞かせください"),
			Text:     entry.Translated(map[string]string{"ja": "こちら: $(survey.url)", "en": "Here: $(survey.url)"}),
			HTML:     entry.Translated(map[string]string{"ja": "<div>$(survey.rating_links)</div>", "en": "<div>$(survey.rating_links)</div>"})}}},
	}
}

// Texts written per language come back from the form as they went in: the
// default language's in the field's own box, each other in a box of its
// own, with the survey's scale.
func TestTextsByLanguageRoundTripThroughTheForm(t *testing.T) {
	want := multilingual()
	entry.Normalize(&want)
	require.NoError(t, entry.Validate(want, entry.DefaultCatalog()))
	d, err := draftFromEntry(want)
	require.NoError(t, err)
	survey := d.Steps[0]
	require.Equal(t, "いかがでしたか？", survey.Values["question"])
	require.Equal(t, []*variant{{Tag: "en", Text: "How did we do?"}, {Tag: "es-MX", Text: "¿Qué tal?"}}, survey.Langs["question"])

	page := renderEntryScreen(t, &entryView{ID: want.ID, Action: entryPath(want.ID), Draft: d})
	form := formValues(t, page)
	require.Equal(t, []string{"en", "es-MX"}, form["b2.lang.question"])
	require.Equal(t, "¿Qué tal?", form.Get("b2.f.question@es-MX"))
	require.Equal(t, "0-10", form.Get("b2.f.scale"))
	require.Equal(t, "ja", form.Get("default_language"))
	posted, err := parseDraft(form)
	require.NoError(t, err)
	got, _, err := posted.entry()
	require.NoError(t, err)
	entry.Normalize(&got)
	got.ID = want.ID

	require.Equal(t, want.Definition(), got.Definition())
}

func TestALanguageIsAddedAndRemoved(t *testing.T) {
	d, err := draftFromEntry(multilingual())
	require.NoError(t, err)

	require.NoError(t, d.addLanguage("b2.subject", " fr-ca "))
	require.Equal(t, []*variant{{Tag: "fr-CA"}}, d.Steps[0].Langs["subject"], "the tag in its canonical form, an empty box")
	require.Equal(t, "f-b2-subject@fr-CA", d.Focus, "the new box takes the focus")
	require.Empty(t, d.Errors)

	require.NoError(t, d.apply(opRemoveLang+":b2.question@en", "", ""))
	require.Equal(t, []*variant{{Tag: "es-MX", Text: "¿Qué tal?"}}, d.Steps[0].Langs["question"])

	require.ErrorAs(t, d.apply(opRemoveLang+":b2.question@de", "", ""), new(errBadOp))
	require.ErrorAs(t, d.apply(opRemoveLang+":b2.wait@en", "", ""), new(errBadOp), "not a localized field")
	require.ErrorAs(t, d.addLanguage("b9.subject", "de"), new(errBadOp))
}

func TestALanguageThatCannotBeAddedIsSaidBesideTheField(t *testing.T) {
	for typed, message := range map[string]string{
		"klingonese": `Add a language: "klingonese" is not a known language tag (BCP 47, such as "es" or "pt-BR")`,
		" ":          "Add a language: type its tag first, such as es, fr-CA or ja",
		"JA":         "Add a language: the field has a ja text already",
		"es-mx":      "Add a language: the field has a es-MX text already",
	} {
		d, err := draftFromEntry(multilingual())
		require.NoError(t, err)
		require.NoError(t, d.addLanguage("b2.question", typed))
		require.Equal(t, []string{message}, d.Errors["b2.question"], typed)
		require.Len(t, d.Steps[0].Langs["question"], 2, "nothing added")
	}
}

// A text whose default language is left empty, or a language whose text
// is, is said beside the field, as the API says it.
func TestProblemsOfTextsByLanguageAreShownBesideTheField(t *testing.T) {
	d, err := draftFromEntry(multilingual())
	require.NoError(t, err)
	d.Steps[0].Values["question"] = ""
	d.Steps[0].Langs["text"] = append(d.Steps[0].Langs["text"], &variant{Tag: "de"})

	e, p, err := d.entry()
	require.NoError(t, err)
	entry.Normalize(&e)
	require.True(t, d.place(entry.Validate(e, entry.DefaultCatalog()), p))

	require.Equal(t, []string{`has no "ja" text, the entry's default_language`}, d.Errors["b2.question"])
	require.Equal(t, []string{"is empty: give the text, or leave the language out"}, d.Errors["b2.text"])
}

func TestParseDraftBoundsTheLanguagesOfAField(t *testing.T) {
	form := url.Values{"name": {"x"}, "block": {"steps/b1"}, "b1.type": {"send_sms"}}
	for i := range maxDraftLanguages + 1 {
		form.Add("b1.lang.text", "x"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	_, err := parseDraft(form)
	require.ErrorContains(t, err, "more than 50 languages")
}
