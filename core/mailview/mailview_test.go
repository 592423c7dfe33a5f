package mailview_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/core/mailview"
	"github.com/ccflow/ccflow/core/scale"
)

var hrefs = regexp.MustCompile(`href="([^"]*)"`)

func survey(s scale.Scale, lang string) mailview.Survey {
	return mailview.Survey{
		Lang:        lang,
		Brand:       brand.Brand{Name: "Acme Support", Accent: "#FFFF00", Contact: "Call us at +1 555 0100"},
		LogoSrc:     "cid:logo-1@example.com",
		Question:    "How happy are you with Sam's help?",
		URL:         "https://cc.example/s/tok.sig",
		Scale:       s,
		Unsubscribe: "https://cc.example/u/unsub.sig",
	}
}

func TestTheEmailHasOneButtonPerScoreAndThePageLink(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		on    scale.Scale
		links []string
	}{
		{scale.CSAT, []string{"?score=1", "?score=2", "?score=3", "?score=4", "?score=5"}},
		{scale.NPS, []string{"?score=0", "?score=1", "?score=2", "?score=3", "?score=4", "?score=5", "?score=6", "?score=7", "?score=8", "?score=9", "?score=10"}},
	} {
		html, err := mailview.Email(survey(tt.on, "en"))
		require.NoError(t, err)
		var want []string
		for _, l := range tt.links {
			want = append(want, "https://cc.example/s/tok.sig"+l)
		}
		want = append(want, "https://cc.example/s/tok.sig", "https://cc.example/u/unsub.sig")
		var got []string
		for _, m := range hrefs.FindAllStringSubmatch(html, -1) {
			got = append(got, m[1])
		}
		require.Equal(t, want, got, "the buttons, the page, the unsubscribe link, in order")
		require.Contains(t, html, `<h1 style="margin:0 0 8px;font-size:22px;line-height:1.3;font-weight:700;color:#111827;">How happy are you with Sam&#39;s help?</h1>`)
		require.Contains(t, html, `src="cid:logo-1@example.com"`)
		require.Contains(t, html, "Call us at &#43;1 555 0100")
		require.NotContains(t, html, "ZgotmplZ", "no value was refused for its context")
		require.NotContains(t, html, "<style", "clients that strip CSS get the same message")
		require.NotContains(t, html, "http://", "nothing remote but the links")
	}
}

func TestTheEmailReadsWhateverTheAccent(t *testing.T) {
	t.Parallel()
	html, err := mailview.Email(survey(scale.CSAT, "en"))
	require.NoError(t, err)
	c := brand.ColorsFor("#FFFF00")
	require.Contains(t, html, "background-color:#FFFF00;color:#000000;border:2px solid "+c.Strong, "yellow buttons take black text and a dark edge")
	require.Contains(t, html, "color:"+c.Strong+";font-weight:600", "the page link is the darkened accent")
	require.GreaterOrEqual(t, brand.ContrastOf(c.Strong, "#FFFFFF"), 4.5)
}

func TestTheEmailIsInTheRunsLanguage(t *testing.T) {
	t.Parallel()
	html, err := mailview.Email(survey(scale.NPS, "es-MX"))
	require.NoError(t, err)
	require.Contains(t, html, `<html lang="es" dir="ltr">`)
	require.Contains(t, html, "Abrir la encuesta")
	require.Contains(t, html, "0 = Nada probable")
	require.Contains(t, html, "10 = Muy probable")
	require.Contains(t, html, "Darse de baja")
}

// Whatever the brand, the question or the links hold, it stays text.
func TestValuesNeverBecomeMarkup(t *testing.T) {
	t.Parallel()
	s := survey(scale.CSAT, "en")
	s.Brand.Name = `<b onmouseover="x">Acme</b>`
	s.Brand.Contact = `<script>alert(1)</script>`
	s.Question = `"><img src=x onerror=alert(1)>`
	s.URL = `javascript:alert(1)//`
	s.LogoSrc = ""
	html, err := mailview.Email(s)
	require.NoError(t, err)
	for _, bad := range []string{"<b ", "<script", "<img src=x", `href="javascript:`} {
		require.NotContains(t, html, bad)
	}
	require.Contains(t, html, "&lt;b onmouseover=&#34;x&#34;&gt;Acme&lt;/b&gt;")
	require.Contains(t, html, `href="#ZgotmplZ"`, "a javascript: survey URL is neutralised")
}

func TestButtonsAreTheRatingBlockAlone(t *testing.T) {
	t.Parallel()
	buttons, err := mailview.Buttons(survey(scale.CSAT, "de"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(buttons), "<table role=\"presentation\""))
	require.Len(t, hrefs.FindAllString(string(buttons), -1), 5)
	require.Contains(t, string(buttons), "Ausgezeichnet")
	require.NotContains(t, string(buttons), "<html")
}
