package workflows

import (
	"fmt"
	"html/template"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
)

// fields renders the text fields of one step and keeps the first error, so
// a step reads its fields in a row and checks once. The error names the
// field: "text: $(order_id) is not defined", "text.es: …" for a text
// written per language.
type fields struct {
	vars vars.Vars
	err  error
	// lang is the run's language and defaultLang its entry's, which
	// choose the text of a field written per language (localText).
	lang, defaultLang string
}

// fields renders the run's texts in its language.
func (r *run) fields() fields {
	return fields{vars: r.vars, lang: r.lang, defaultLang: r.in.Entry.Language()}
}

// local is the template of t the run reads, and the name of the field it
// is, with the language when t is written per language ("text.es").
func (f *fields) local(name string, t entry.Text) (string, string) {
	tag, tmpl := t.Choose(f.lang, f.defaultLang)
	if tag != "" {
		name += "." + tag
	}
	return tmpl, name
}

// localText renders a plain-text field in the run's language.
func (f *fields) localText(name string, t entry.Text) string {
	tmpl, at := f.local(name, t)
	return f.text(at, tmpl)
}

// localHTML renders an HTML field in the run's language: with each value
// escaped for its context and trusted values written as they are
// (templates.RenderHTML), or, for runs started before that
// (contexts false), every value escaped as text.
func (f *fields) localHTML(name string, t entry.Text, contexts bool, trusted map[string]template.HTML) string {
	tmpl, at := f.local(name, t)
	if !contexts {
		return f.html(at, tmpl)
	}
	return f.render(at, tmpl, func(s string, v vars.Vars) (string, error) { return templates.RenderHTML(s, v, trusted) })
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

// html renders an HTML field as runs started before the HTML contexts
// did, escaping every value as HTML text (templates.RenderHTMLFlat).
func (f *fields) html(name, tmpl string) string {
	return f.render(name, tmpl, templates.RenderHTMLFlat)
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
