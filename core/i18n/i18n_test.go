package i18n_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/i18n"
)

func TestMatchChoosesTheClosestLanguageElseTheFirst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		want      string
		supported []string
		chosen    string
	}{
		{"es", []string{"en", "es"}, "es"},
		{"es-MX", []string{"en", "es"}, "es"},
		{"es-MX", []string{"en", "es", "es-MX"}, "es-MX"},
		{"ES-mx", []string{"en", "es"}, "es"},
		{"es-419", []string{"en", "es-ES", "es-419"}, "es-419"},
		{"pt-BR", []string{"en", "es"}, "en"},
		{"pt-BR", []string{"ja", "es"}, "ja"}, // the first on offer is the default
		{"ja-JP", []string{"en", "ja"}, "ja"},
		{"zh-TW", []string{"en", "zh-Hans", "zh-Hant"}, "zh-Hant"},
		{"nb", []string{"en", "no"}, "no"},
		{"", []string{"en", "es"}, "en"},
		{"not a tag!", []string{"fr", "es"}, "fr"},
		{"xx", []string{"de", "es"}, "de"},
	}
	for _, tt := range tests {
		t.Run(tt.want+" of "+fmt.Sprint(tt.supported), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.chosen, i18n.Match(tt.want, tt.supported))
		})
	}
}

func TestMatchAcceptFollowsTheBrowsersWeights(t *testing.T) {
	t.Parallel()
	supported := i18n.Languages()
	tests := []struct{ header, chosen string }{
		{"es-MX,es;q=0.9,en;q=0.8", "es"},
		{"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"},
		{"pt-BR,pt;q=0.9,de;q=0.5", "de"},
		{"ja", "ja"},
		{"de-AT", "de"},
		{"", "en"},
		{"*", "en"},
		{";;;q=x,,", "en"},
		{"ar-EG", "en"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.chosen, i18n.MatchAccept(tt.header, supported), "Accept-Language: %s", tt.header)
	}
}

func TestParseGivesTheCanonicalTagAndRefusesUnknownOnes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"es": "es", "ES-mx": "es-MX", " ja ": "ja", "zh-hant-tw": "zh-Hant-TW", "iw": "he"} {
		got, err := i18n.Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for in, msg := range map[string]string{
		"":        "is empty",
		"english": `"english" is not a known language tag`,
		"xx":      `"xx" is not a known language tag`,
		"es_MX!":  `"es_MX!" is not a known language tag`,
		"a-very-long-tag-that-no-language-has-ever-had": "is longer than a language tag",
	} {
		_, err := i18n.Parse(in)
		require.ErrorContains(t, err, msg, in)
	}
}

// verbs are the fmt verbs of a message, in order.
var verbs = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

func TestEveryLanguageHasEveryMessageWithTheSameVerbs(t *testing.T) {
	t.Parallel()
	read := func(lang string) map[string]string {
		data, err := os.ReadFile(filepath.Join("messages", lang+".json"))
		require.NoError(t, err)
		var m map[string]string
		require.NoError(t, json.Unmarshal(data, &m))
		return m
	}
	en := read("en")
	langs := i18n.Languages()
	require.Equal(t, "en", langs[0])
	for _, need := range []string{"de", "es", "fr", "ja"} {
		require.Contains(t, langs, need)
	}
	for _, lang := range langs[1:] {
		msgs := read(lang)
		for key, text := range en {
			got, ok := msgs[key]
			require.True(t, ok, "%s.json has no %q", lang, key)
			require.Equal(t, verbs.FindAllString(text, -1), verbs.FindAllString(got, -1), "%s.json %q: the verbs differ from English", lang, key)
		}
		for key := range msgs {
			require.Contains(t, en, key, "%s.json has %q, which en.json does not", lang, key)
		}
	}
}

func TestWordsComeInTheClosestCatalogLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct{ lang, chosen, thanks string }{
		{"es-MX", "es", "¡Gracias!"},
		{"fr-CA", "fr", "Merci !"},
		{"de", "de", "Vielen Dank!"},
		{"ja-JP", "ja", "ありがとうございました"},
		{"pt-BR", "en", "Thank you!"},
		{"", "en", "Thank you!"},
	}
	for _, tt := range tests {
		w := i18n.For(tt.lang)
		require.Equal(t, tt.chosen, w.Lang(), tt.lang)
		require.Equal(t, tt.thanks, w.T("survey.thanks.title"), tt.lang)
	}
}

func TestWordsWriteNumbersTheLanguagesWay(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Up to 2,000 characters.", i18n.For("en").T("survey.comment.hint", 2000))
	require.Equal(t, "Bis zu 2.000 Zeichen.", i18n.For("de").T("survey.comment.hint", 2000))
	require.Equal(t, "2,000文字まで入力できます。", i18n.For("ja").T("survey.comment.hint", 2000))
	require.Equal(t, "Hasta 2.000 caracteres.", i18n.For("es").T("survey.comment.hint", 2000))
}

func TestTheZeroWordsAreEnglish(t *testing.T) {
	t.Parallel()
	var w i18n.Words
	require.Equal(t, "Thank you!", w.T("survey.thanks.title"))
	require.True(t, i18n.Has("survey.thanks.title"))
	require.False(t, i18n.Has("survey.nonsense"))
	require.True(t, slices.IsSorted(i18n.Languages()[1:]))
}

// A page in the customer's language: the closest of the catalog's.
func ExampleFor() {
	w := i18n.For("es-MX")
	fmt.Println(w.Lang())
	fmt.Println(w.T("survey.error.score", 1, 5))
	// Output:
	// es
	// Elija una puntuación del 1 al 5.
}

// An entry's text in the language closest to the customer's, else the
// entry's default.
func ExampleMatch() {
	fmt.Println(i18n.Match("es-MX", []string{"en", "es", "ja"}))
	fmt.Println(i18n.Match("pt-BR", []string{"en", "es", "ja"}))
	// Output:
	// es
	// en
}
