package templates_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
)

var v = vars.Vars{
	"customer.first_name": "Ada",
	"survey.url":          "https://cc.example/s/abc.def",
	"survey.score":        4,
	"amount":              12.5,
	"reply.body":          map[string]any{"ticket": map[string]any{"id": "T-9"}},
	"nickname":            `<b>"Ada" & co</b>`,
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"plain text", "Thank you.", "Thank you."},
		{"one variable", "Hi $(customer.first_name)!", "Hi Ada!"},
		{"several variables", "$(customer.first_name): $(survey.url)", "Ada: https://cc.example/s/abc.def"},
		{"spaces inside the parentheses", "Hi $( customer.first_name )", "Hi Ada"},
		{"numbers formatted", "score $(survey.score), amount $(amount)", "score 4, amount 12.5"},
		{"nested lookup into a map value", "ticket $(reply.body.ticket.id)", "ticket T-9"},
		{"$$ writes one $", "costs $$5", "costs $5"},
		{"$$ before a name is not a variable", "$$(customer.first_name)", "$(customer.first_name)"},
		{"lone $ in the middle", "5 $ off", "5 $ off"},
		{"lone $ at the end", "pay in $", "pay in $"},
		{"empty", "", ""},
		{"no HTML escaping in plain text", "$(nickname)", `<b>"Ada" & co</b>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := templates.Render(tt.text, v)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderUndefinedNameIsAnError(t *testing.T) {
	_, err := templates.Render("Hi $(customer.last_name)", v)

	var undefined *templates.UndefinedError
	require.ErrorAs(t, err, &undefined)
	require.Equal(t, "customer.last_name", undefined.Name)
	require.EqualError(t, err, "$(customer.last_name) is not defined")
}

func TestRenderRejectsMalformedTemplates(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		message string
	}{
		{"unclosed $(", "Hi $(customer.first_name", "has a $( without its closing )"},
		{"empty name", "Hi $()", "$() is not a variable name"},
		{"name starting with a digit", "$(1st)", "$(1st) is not a variable name"},
		{"name with a dash", "$(first-name)", "is not a variable name"},
		{"empty part", "$(customer..name)", "is not a variable name"},
		{"trailing dot", "$(customer.)", "is not a variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := templates.Render(tt.text, v)
			require.ErrorContains(t, err, tt.message)
			require.ErrorContains(t, templates.Check(tt.text), tt.message, "Check agrees with Render")
		})
	}
}

func TestRenderHTMLFlatEscapesValues(t *testing.T) {
	got, err := templates.RenderHTMLFlat("<p>Hi $(nickname)</p>", v)

	require.NoError(t, err)
	require.Equal(t, "<p>Hi &lt;b&gt;&#34;Ada&#34; &amp; co&lt;/b&gt;</p>", got)
}

func TestNames(t *testing.T) {
	names, err := templates.Names("$(a) $$(b) $( c.d ) $(a)")

	require.NoError(t, err)
	require.Equal(t, []string{"a", "c.d", "a"}, names)
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"a", true},
		{"_a1.b_2", true},
		{"survey.url", true},
		{"", false},
		{"1a", false},
		{"a.1b", false},
		{"a.", false},
		{".a", false},
		{"a b", false},
		{"é", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, templates.ValidName(tt.name))
		})
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Hi $(customer.first_name), $$5 off: $(survey.url)")
	f.Add("$(")
	f.Add("$")
	f.Add("$$$(a")
	f.Add("$(reply.body.ticket.id) $()")
	f.Fuzz(func(t *testing.T, text string) {
		out, err := templates.Render(text, v)
		if err != nil {
			require.Empty(t, out)
			return
		}
		require.NoError(t, templates.Check(text), "a template that renders is well-formed")
		_, err = templates.RenderHTMLFlat(text, v)
		require.NoError(t, err)
		if _, err := templates.RenderHTML(text, v, nil); err != nil {
			require.Error(t, templates.CheckHTML(text), "CheckHTML refuses what RenderHTML cannot render: %v", err)
		}
	})
}
