package templates

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/ccflow/ccflow/core/vars"
)

// The renderers below put each value where it cannot change the structure
// around it, for the fields of http_request steps: values come from
// customers (a comment, an id typed into a CRM) and from other servers'
// answers, and must never rewrite a request sent with a connection's
// credentials.

// RenderURL renders a URL, or the path of a request through a connection,
// escaping each value for where it lands: a path segment (a value holding
// "/", "?" or "#" stays one segment), a query value, a fragment. Values
// before the path, in the scheme and host, are put as they are, so a whole
// URL may come from one variable ($(callback_url), $(base)/orders): the
// request checks the URL it is given again where it dials.
func RenderURL(text string, v vars.Vars) (string, error) {
	var u urlContext
	return renderIn(text, v, u.literal, u.value)
}

// urlContext follows where in a URL the text rendered so far has got.
type urlContext struct {
	part urlPart
	// tail holds the last two characters written, to tell the "//" of
	// "https://" from the slash that starts the path.
	tail string
}

type urlPart int

const (
	beforePath urlPart = iota
	inPath
	inQuery
	inFragment
)

func (u *urlContext) literal(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '#' && u.part < inFragment:
			u.part = inFragment
		case c == '?' && u.part < inQuery:
			u.part = inQuery
		case c == '/' && u.part == beforePath && !strings.HasSuffix(u.tail, ":") && !strings.HasSuffix(u.tail, ":/"):
			u.part = inPath
		}
		u.remember(s[i : i+1])
	}
}

func (u *urlContext) value(x any) string {
	s := vars.Format(x)
	switch u.part {
	case inPath, inFragment:
		s = url.PathEscape(s)
	case inQuery:
		s = url.QueryEscape(s)
	}
	u.remember(s)
	return s
}

func (u *urlContext) remember(s string) {
	u.tail += s
	if len(u.tail) > 2 {
		u.tail = u.tail[len(u.tail)-2:]
	}
}

// RenderJSON renders a request body. When the template is JSON (a value
// or a list written out, each $(name) standing for a value or inside a
// string), every value inside a string is escaped as JSON string content
// and every value outside one is written as JSON (a number as a number, a
// text as a string, an answer's body as its JSON), so no value can add
// keys or end the document. Any other body is rendered as Render does.
func RenderJSON(text string, v vars.Vars) (string, error) {
	if !isJSONTemplate(text) {
		return Render(text, v)
	}
	var j jsonContext
	return renderIn(text, v, j.literal, j.value)
}

// jsonContext follows whether the text rendered so far is inside a JSON
// string.
type jsonContext struct {
	inString, escaped bool
}

func (j *jsonContext) literal(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case j.escaped:
			j.escaped = false
		case j.inString && c == '\\':
			j.escaped = true
		case c == '"':
			j.inString = !j.inString
		}
	}
}

func (j *jsonContext) value(x any) string {
	if j.inString {
		quoted := jsonText(vars.Format(x))
		return quoted[1 : len(quoted)-1]
	}
	if s, ok := x.(string); ok {
		return jsonText(s)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		// Variables hold JSON-shaped values, which always encode; this
		// keeps the body JSON whatever happens.
		return jsonText(vars.Format(x))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonText is s as a JSON string, quotes included, with <, > and & left as
// they are.
func jsonText(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// isJSONTemplate tells whether text is JSON once each $(name) is taken for
// a value: its literal text opens an object or a list, and with null for
// each name outside a string (nothing inside one) it is valid JSON.
func isJSONTemplate(text string) bool {
	trimmed := strings.TrimSpace(text)
	if !strings.HasPrefix(trimmed, "{") && !strings.HasPrefix(trimmed, "[") {
		return false
	}
	var skeleton strings.Builder
	var j jsonContext
	err := scan(text, func(lit string) {
		j.literal(lit)
		skeleton.WriteString(lit)
	}, func(string) error {
		if !j.inString {
			skeleton.WriteString("null")
		}
		return nil
	})
	return err == nil && json.Valid([]byte(skeleton.String()))
}

// RenderHeader renders a header value. A control character in a value (a
// line break above all, which would end the header and start another) is
// written as a space, so a value stays on its header's line; tabs stay.
func RenderHeader(text string, v vars.Vars) (string, error) {
	return renderIn(text, v, func(string) {}, func(x any) string {
		return strings.Map(func(r rune) rune {
			if (r < 0x20 && r != '\t') || r == 0x7f {
				return ' '
			}
			return r
		}, vars.Format(x))
	})
}

// renderIn renders text, telling lit each literal run in order and asking
// value how to write each variable's value where it stands.
func renderIn(text string, v vars.Vars, lit func(string), value func(any) string) (string, error) {
	var b strings.Builder
	err := scan(text, func(s string) {
		lit(s)
		b.WriteString(s)
	}, func(name string) error {
		x, ok := v.Lookup(name)
		if !ok {
			return &UndefinedError{Name: name}
		}
		b.WriteString(value(x))
		return nil
	})
	if err != nil {
		return "", err
	}
	return b.String(), nil
}
