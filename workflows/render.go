package workflows

import (
	"fmt"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
)

// fields renders the text fields of one step and keeps the first error, so
// a step reads its fields in a row and checks once. The error names the
// field: "text: $(order_id) is not defined".
type fields struct {
	vars vars.Vars
	err  error
}

// text renders a plain-text field.
func (f *fields) text(name, tmpl string) string {
	return f.render(name, tmpl, templates.Render)
}

// url renders a URL or a connection's path, escaping each value for the
// part of the URL it lands in.
func (f *fields) url(name, tmpl string) string {
	return f.render(name, tmpl, templates.RenderURL)
}

// json renders a request body: a JSON template gets its values escaped as
// JSON, so none can add keys.
func (f *fields) json(name, tmpl string) string {
	return f.render(name, tmpl, templates.RenderJSON)
}

// header renders a header value, which no value can break onto a new line.
func (f *fields) header(name, tmpl string) string {
	return f.render(name, tmpl, templates.RenderHeader)
}

// html renders an HTML field, escaping the values put into it.
func (f *fields) html(name, tmpl string) string {
	return f.render(name, tmpl, templates.RenderHTML)
}

func (f *fields) render(name, tmpl string, render func(string, vars.Vars) (string, error)) string {
	if f.err != nil || tmpl == "" {
		return ""
	}
	out, err := render(tmpl, f.vars)
	if err != nil {
		f.err = fmt.Errorf("%s: %w", name, err)
	}
	return out
}
