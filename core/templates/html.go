package templates

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/vars"
)

// RenderHTML renders an HTML body with each $(name) replaced by its value
// escaped for the context it lands in, as html/template escapes its
// actions: as text between tags, as an attribute's value (quoted or not),
// as a URL in href or src (a javascript: or data: URL becomes "#ZgotmplZ";
// a value after the scheme and host is percent-encoded), inside a style or
// a script. A customer's name can never become markup, an attribute or a
// script.
//
// trusted names values that are ccflow's own HTML, such as the rating
// buttons of survey.rating_links: written as they are where they land in
// text, and not looked up in v. The body itself is the entry's, written
// by an operator and kept as written, HTML comments too (the conditional
// comments email clients read); a comment holding a $(name) is dropped,
// as html/template drops comments.
//
// A body in which html/template cannot tell where a value lands (one that
// ends inside a tag or an attribute) is an error saying so; CheckHTML finds it when the entry is
// saved.
func RenderHTML(text string, v vars.Vars, trusted map[string]template.HTML) (string, error) {
	t, names, comments, err := parseHTML(text)
	if err != nil {
		return "", err
	}
	values := make([]any, len(names))
	for i, name := range names {
		if h, ok := trusted[name]; ok {
			values[i] = h
			continue
		}
		x, ok := v.Lookup(name)
		if !ok {
			return "", &UndefinedError{Name: name}
		}
		values[i] = vars.Format(x)
	}
	var b strings.Builder
	if err := t.Execute(&b, htmlData{V: values, C: comments}); err != nil {
		return "", htmlError(err)
	}
	return b.String(), nil
}

// CheckHTML reports whether text is a well-formed template and an HTML
// body RenderHTML can put values into: RenderHTML with every name set
// fails as it would.
func CheckHTML(text string) error {
	t, names, comments, err := parseHTML(text)
	if err != nil {
		return err
	}
	values := make([]any, len(names))
	for i := range values {
		values[i] = "x"
	}
	if err := t.Execute(io.Discard, htmlData{V: values, C: comments}); err != nil {
		return htmlError(err)
	}
	return nil
}

// htmlData is what the template made of a body reads: the values, by the
// order of their $(name)s, and the body's comments.
type htmlData struct {
	V []any
	C []template.HTML
}

// Delimiters of the actions parseHTML writes. A NUL cannot be in a body
// (entries admit no control character, and parseHTML replaces any), so
// nothing the operator wrote is ever read as an action.
const (
	leftDelim  = "\x00{"
	rightDelim = "}\x00"
)

// comment matches an HTML comment of the template's source.
var comment = regexp.MustCompile(`(?s)<!--.*?-->`)

// parseHTML makes an html/template of a body: its literal text as the
// template's text, each $(name) an action printing one value (names lists
// them in order), and each comment without a $(name) an action printing
// it as trusted HTML, since html/template would drop it.
func parseHTML(text string) (*template.Template, []string, []template.HTML, error) {
	var src strings.Builder
	var names []string
	err := scan(text, func(lit string) {
		src.WriteString(strings.ReplaceAll(lit, "\x00", "\uFFFD"))
	}, func(name string) error {
		src.WriteString(leftDelim + "index .V " + strconv.Itoa(len(names)) + rightDelim)
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	var comments []template.HTML
	body := comment.ReplaceAllStringFunc(src.String(), func(c string) string {
		if strings.Contains(c, leftDelim) {
			return c
		}
		comments = append(comments, template.HTML(c)) //nolint:gosec // the operator's own comment, kept as written
		return leftDelim + "index .C " + strconv.Itoa(len(comments)-1) + rightDelim
	})
	t, err := template.New("html").Delims(leftDelim, rightDelim).Parse(body)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot be read as HTML: %w", err)
	}
	return t, names, comments, nil
}

// htmlError says in an operator's words why html/template would not put
// values into a body.
func htmlError(err error) error {
	var e *template.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("cannot be rendered as HTML: %w", err)
	}
	switch e.ErrorCode {
	case template.ErrEndContext:
		return fmt.Errorf("ends inside a tag, an attribute, a comment, a script or a style: close it, so that ccflow can tell where each value lands")
	case template.ErrBadHTML:
		return fmt.Errorf("has HTML ccflow cannot put values into safely (%s): quote the attribute, or close the tag", strings.TrimPrefix(e.Description, "html/template: "))
	}
	return fmt.Errorf("cannot hold a $(variable) where it stands: %s", e.Description)
}
