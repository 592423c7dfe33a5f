// Package templates renders the text fields of steps: "$(name)" is replaced
// by the variable's value. A name that is not defined is an error, never an
// empty string sent to a customer. "$$" writes a literal "$".
package templates

import (
	"fmt"
	"html"
	"strings"

	"github.com/ccflow/ccflow/core/vars"
)

// UndefinedError is returned when a template names a variable the run does
// not have.
type UndefinedError struct{ Name string }

func (e *UndefinedError) Error() string {
	return fmt.Sprintf("$(%s) is not defined", e.Name)
}

// Render replaces each $(name) in text with its value from v.
func Render(text string, v vars.Vars) (string, error) {
	return render(text, v, func(s string) string { return s })
}

// RenderHTMLFlat is Render for HTML bodies as ccflow rendered them before
// RenderHTML: every value is escaped as HTML text, wherever it lands. It
// keeps markup out of text and quoted attributes, but not a javascript:
// URL out of an href, nor a value out of an unquoted attribute; runs
// started before the change that brought RenderHTML keep it, so that they
// replay as they ran.
func RenderHTMLFlat(text string, v vars.Vars) (string, error) {
	return render(text, v, html.EscapeString)
}

// Names returns the variable names text refers to, in order of appearance;
// it fails on a malformed template.
func Names(text string) ([]string, error) {
	var names []string
	err := scan(text, func(lit string) {}, func(name string) error {
		names = append(names, name)
		return nil
	})
	return names, err
}

// Check reports whether text is a well-formed template.
func Check(text string) error {
	_, err := Names(text)
	return err
}

func render(text string, v vars.Vars, escape func(string) string) (string, error) {
	var b strings.Builder
	err := scan(text, func(lit string) { b.WriteString(lit) }, func(name string) error {
		x, ok := v.Lookup(name)
		if !ok {
			return &UndefinedError{Name: name}
		}
		b.WriteString(escape(vars.Format(x)))
		return nil
	})
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// scan walks text, handing literal runs to lit and variable names to name.
func scan(text string, lit func(string), name func(string) error) error {
	for {
		i := strings.IndexByte(text, '$')
		if i < 0 || i == len(text)-1 {
			lit(text)
			return nil
		}
		lit(text[:i])
		switch text[i+1] {
		case '$':
			lit("$")
			text = text[i+2:]
			continue
		case '(':
		default:
			lit("$")
			text = text[i+1:]
			continue
		}
		end := strings.IndexByte(text[i:], ')')
		if end < 0 {
			return fmt.Errorf("%q has a $( without its closing )", text[i:])
		}
		n := strings.TrimSpace(text[i+2 : i+end])
		if !ValidName(n) {
			return fmt.Errorf("$(%s) is not a variable name (letters, digits and _, parts joined by dots)", n)
		}
		if err := name(n); err != nil {
			return err
		}
		text = text[i+end+1:]
	}
}

// ValidName reports whether n is a variable name: dot-separated parts of
// letters, digits and underscores, each part starting with a letter or _.
func ValidName(n string) bool {
	if n == "" {
		return false
	}
	for _, part := range strings.Split(n, ".") {
		if part == "" {
			return false
		}
		for i, c := range part {
			letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			digit := c >= '0' && c <= '9'
			if !letter && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}
