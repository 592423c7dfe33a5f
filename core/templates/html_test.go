package templates_test

import (
	"html/template"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
)

// hostileValues are values a customer could type as their name, or a CRM could
// answer, each trying to get out of where it lands.
var hostileValues = vars.Vars{
	"name":   `<img src=x onerror=alert(1)>"Ada" & co`,
	"quote":  `x" onmouseover="alert(1)`,
	"spaced": `x onmouseover=alert(1)`,
	"js":     `javascript:alert(1)`,
	"path":   `../a b?c=d#e`,
	"url":    `https://example.com/s/tok?score=3`,
	"script": `</script><script>alert(1)</script>`,
}

// Each value is escaped for its context, as html/template escapes: in
// text, in a quoted and an unquoted attribute, as a whole URL and inside
// one, in a script and in a style.
func TestRenderHTMLEscapesEachValueForItsContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		context, body, want string
	}{
		{"text", `<p>Hi $(name)</p>`,
			`<p>Hi &lt;img src=x onerror=alert(1)&gt;&#34;Ada&#34; &amp; co</p>`},
		{"quoted attribute", `<td title="$(quote)">`,
			`<td title="x&#34; onmouseover=&#34;alert(1)">`},
		{"single-quoted attribute", `<td title='$(quote)'>`,
			`<td title='x&#34; onmouseover=&#34;alert(1)'>`},
		{"unquoted attribute", `<td title=$(spaced)>`,
			`<td title=x&#32;onmouseover&#61;alert(1)>`},
		{"a whole URL that is javascript:", `<a href="$(js)">go</a>`,
			`<a href="#ZgotmplZ">go</a>`},
		{"a whole URL that is https", `<a href="$(url)">go</a>`,
			`<a href="https://example.com/s/tok?score=3">go</a>`},
		{"a value inside a URL's path", `<a href="https://example.com/$(path)">go</a>`,
			`<a href="https://example.com/../a%20b?c=d#e">go</a>`},
		{"a value in a URL's query", `<a href="https://example.com/?q=$(path)">go</a>`,
			`<a href="https://example.com/?q=..%2fa%20b%3fc%3dd%23e">go</a>`},
		{"script", `<script>var n = "$(script)";</script>`,
			`<script>var n = "\u003c\/script\u003e\u003cscript\u003ealert(1)\u003c\/script\u003e";</script>`},
		{"style", `<p style="color: $(spaced)">`,
			`<p style="color: ZgotmplZ">`},
	}
	for _, tt := range tests {
		t.Run(tt.context, func(t *testing.T) {
			t.Parallel()
			got, err := templates.RenderHTML(tt.body, hostileValues, nil)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderHTMLKeepsTheOperatorsHTMLAndComments(t *testing.T) {
	t.Parallel()
	body := `<!--[if mso]><table><tr><td><![endif]--><p class="x">{{.}} $$5 &amp; <b>$(url)</b></p><!-- $(name) -->`
	got, err := templates.RenderHTML(body, hostileValues, nil)
	require.NoError(t, err)
	require.Equal(t, `<!--[if mso]><table><tr><td><![endif]--><p class="x">{{.}} $5 &amp; <b>https://example.com/s/tok?score=3</b></p>`, got,
		"an action-free comment is kept, one holding a value is dropped")
}

func TestRenderHTMLWritesTrustedHTMLAsItIs(t *testing.T) {
	t.Parallel()
	buttons := template.HTML(`<table><tr><td><a href="https://x/s/t?score=1">1</a></td></tr></table>`)
	got, err := templates.RenderHTML(`<div>$(survey.rating_links)</div><p>$(name)</p>`, hostileValues,
		map[string]template.HTML{"survey.rating_links": buttons})
	require.NoError(t, err)
	require.Equal(t, `<div>`+string(buttons)+`</div><p>&lt;img src=x onerror=alert(1)&gt;&#34;Ada&#34; &amp; co</p>`, got)
}

func TestRenderHTMLRefusesWhatItCannotEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, message string }{
		{`<a href="$(url)`, "ends inside a tag"},
		{`<p>$(name)</p><!-- unclosed`, "ends inside a tag, an attribute, a comment"},
		{`<a href=x"y>$(name)</a>`, "quote the attribute"},
		{`<p>$(missing)</p>`, "$(missing) is not defined"},
		{`<p>$(</p>`, "without its closing"},
	}
	for _, tt := range tests {
		_, err := templates.RenderHTML(tt.body, hostileValues, nil)
		require.ErrorContains(t, err, tt.message, tt.body)
		if tt.message != "$(missing) is not defined" {
			require.ErrorContains(t, templates.CheckHTML(tt.body), tt.message, "CheckHTML agrees: %s", tt.body)
		}
	}
	require.NoError(t, templates.CheckHTML(`<p>$(missing)</p>`), "CheckHTML needs no values")
}

func TestRenderHTMLTakesNoNULAsAnAction(t *testing.T) {
	t.Parallel()
	got, err := templates.RenderHTML("<p>\x00{index .V 0}\x00</p>", hostileValues, nil)
	require.NoError(t, err)
	require.Equal(t, "<p>\uFFFD{index .V 0}\uFFFD</p>", got)
}
