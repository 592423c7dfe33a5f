package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/i18n"
)

// Text is a text field a customer reads (a survey's question, an email's
// subject, text and html, an SMS's text), written once for every language
// or once per language. In JSON and YAML it is either a string,
//
//	"text": "Thanks for calling, $(customer.first_name)!"
//
// or an object of strings by BCP 47 language tag,
//
//	"text": {"en": "Thanks for calling!", "es": "¡Gracias por llamar!"}
//
// A run reads each Text in its language (RunLanguage): the closest the
// object has, else the entry's default_language, which every object must
// have (Validate). The zero Text is empty.
type Text struct {
	// plain is the text written as a string; byLanguage the texts of an
	// object, by tag. At most one of them is set.
	plain      string
	byLanguage map[string]string
}

// Plain is a Text written as one string, for every language.
func Plain(s string) Text { return Text{plain: s} }

// Translated is a Text written per language, tag to text. An empty map is
// the empty Text.
func Translated(byLanguage map[string]string) Text {
	if len(byLanguage) == 0 {
		return Text{}
	}
	return Text{byLanguage: maps.Clone(byLanguage)}
}

// IsEmpty reports whether t holds no text: "", {} or nothing at all.
func (t Text) IsEmpty() bool { return t.plain == "" && len(t.byLanguage) == 0 }

// IsTranslated reports whether t was written per language.
func (t Text) IsTranslated() bool { return len(t.byLanguage) > 0 }

// Languages lists the tags t has texts in, sorted; none for a plain Text.
func (t Text) Languages() []string { return slices.Sorted(maps.Keys(t.byLanguage)) }

// In is t's text in exactly the language tag, for a translated Text; a
// plain Text has its one text in every language.
func (t Text) In(tag string) (string, bool) {
	if !t.IsTranslated() {
		return t.plain, !t.IsEmpty()
	}
	s, ok := t.byLanguage[tag]
	return s, ok
}

// For is the text a customer whose language is lang reads: a plain Text's
// one text; a translated one's closest to lang (i18n.Match), else its text
// in defaultLanguage. The choice is a pure function of its inputs, as a
// workflow's replay needs.
func (t Text) For(lang, defaultLanguage string) string {
	_, s := t.Choose(lang, defaultLanguage)
	return s
}

// Choose is For with the tag of the text chosen: "" for a plain Text.
func (t Text) Choose(lang, defaultLanguage string) (tag, text string) {
	if !t.IsTranslated() {
		return "", t.plain
	}
	tag = i18n.Match(lang, t.offered(defaultLanguage))
	return tag, t.byLanguage[tag]
}

// offered lists t's languages for matching: defaultLanguage first (the
// matcher's fallback), then the others sorted.
func (t Text) offered(defaultLanguage string) []string {
	out := []string{defaultLanguage}
	for _, tag := range t.Languages() {
		if tag != defaultLanguage {
			out = append(out, tag)
		}
	}
	return out
}

// variants lists t's texts with the path each is checked at: a plain
// Text's one text at path, a translated one's at path.<tag>, by tag.
func (t Text) variants(path string) [][2]string {
	if !t.IsTranslated() {
		return [][2]string{{path, t.plain}}
	}
	var out [][2]string
	for _, tag := range t.Languages() {
		out = append(out, [2]string{path + "." + tag, t.byLanguage[tag]})
	}
	return out
}

// Each calls fn with every text of t: a plain Text's one, a translated
// one's by tag, sorted ("" as the tag of a plain one).
func (t Text) Each(fn func(tag, text string)) {
	if !t.IsTranslated() {
		fn("", t.plain)
		return
	}
	for _, tag := range t.Languages() {
		fn(tag, t.byLanguage[tag])
	}
}

// Map returns t with fn applied to each of its texts.
func (t Text) Map(fn func(string) string) Text {
	if !t.IsTranslated() {
		return Plain(fn(t.plain))
	}
	out := make(map[string]string, len(t.byLanguage))
	for tag, s := range t.byLanguage {
		out[tag] = fn(s)
	}
	return Text{byLanguage: out}
}

// String is the text of a plain Text, and for a translated one its texts
// as JSON, for messages and debugging.
func (t Text) String() string {
	if !t.IsTranslated() {
		return t.plain
	}
	data, _ := t.MarshalJSON()
	return string(data)
}

// MarshalJSON writes t as a string, or as an object by tag with the tags
// sorted, without escaping HTML (an html field reads as written).
func (t Text) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	var v any = t.plain
	if t.IsTranslated() {
		v = t.byLanguage
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// errTextShape is the error of a Text that is neither a string nor an
// object of strings.
var errTextShape = errors.New("must be a string, or an object of strings by language such as {\"en\": \"…\", \"es\": \"…\"}")

// UnmarshalJSON reads a string or an object of strings; null leaves t
// empty.
func (t *Text) UnmarshalJSON(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	*t = Text{}
	switch {
	case string(trimmed) == "null":
		return nil
	case len(trimmed) > 0 && trimmed[0] == '"':
		return json.Unmarshal(trimmed, &t.plain)
	case len(trimmed) > 0 && trimmed[0] == '{':
		var m map[string]string
		if err := json.Unmarshal(trimmed, &m); err != nil {
			return errTextShape
		}
		*t = Translated(m)
		return nil
	}
	return errTextShape
}

// normalized is t with the spaces around each text trimmed when trim is
// set (single-line kinds), and its tags in canonical form ("ES-mx" is
// "es-MX") unless two would then be the same, which Validate reports.
func (t Text) normalized(trim bool) Text {
	if trim {
		t = t.Map(strings.TrimSpace)
	}
	if !t.IsTranslated() {
		return t
	}
	out := make(map[string]string, len(t.byLanguage))
	for tag, s := range t.byLanguage {
		canonical, err := i18n.Parse(tag)
		if err != nil {
			canonical = tag
		}
		if _, taken := out[canonical]; taken {
			return t
		}
		out[canonical] = s
	}
	return Text{byLanguage: out}
}
