package validation

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Text is the rule a text field obeys: every text ccflow takes in (events,
// entries, survey answers, cancel requests, dispositions) has a length
// limit and a rule about control characters, so that no value is too long
// for a search attribute or a history, or carries a NUL byte PostgreSQL
// refuses, or a line break into a header or a log line.
type Text struct {
	// Max is the most characters (not bytes) the field may hold.
	Max int
	// Multiline admits line breaks and tabs, for message bodies, comments
	// and reasons; no other control character is ever admitted.
	Multiline bool
}

// Line is the rule of a one-line field of at most max characters.
func Line(max int) Text { return Text{Max: max} }

// Lines is the rule of a field of at most max characters that may hold line
// breaks and tabs.
func Lines(max int) Text { return Text{Max: max, Multiline: true} }

// String says the rule in words, for documentation and forms.
func (r Text) String() string {
	if r.Multiline {
		return fmt.Sprintf("at most %d characters; line breaks and tabs are the only control characters", r.Max)
	}
	return fmt.Sprintf("one line, at most %d characters, no control characters", r.Max)
}

// Check reports what is wrong with s as the field at path: text that is
// not UTF-8, too many characters, or a control character the rule does not
// admit (Unicode's Cc category: NUL and the other C0 codes, DEL, C1).
// Formatting characters such as right-to-left marks and zero-width joiners
// are text.
func (r Text) Check(path, s string) *FieldError {
	if !utf8.ValidString(s) {
		return Errorf(path, "is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > r.Max {
		return Errorf(path, "is %d characters long; at most %d are allowed", n, r.Max)
	}
	i := 0
	for _, c := range s {
		i++
		if !unicode.IsControl(c) || (r.Multiline && (c == '\n' || c == '\r' || c == '\t')) {
			continue
		}
		if r.Multiline {
			return Errorf(path, "holds a control character (%U) at character %d: only line breaks and tabs may be written", c, i)
		}
		return Errorf(path, "holds a control character (%U) at character %d: write it as one line of text", c, i)
	}
	return nil
}

// quotedLength is how many characters of a value Quote shows.
const quotedLength = 60

// Quote quotes a value for a message as %q does, cut after 60 characters
// with its length said, so a message never repeats a huge input whole:
// "xxxx…" (100000 characters).
func Quote(s string) string {
	if utf8.RuneCountInString(s) <= quotedLength {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q (%d characters)", Shorten(s), utf8.RuneCountInString(s))
}

// Shorten cuts s after 60 characters, marking the cut with "…", for a
// value that names a field (a variable's name in its path).
func Shorten(s string) string {
	if utf8.RuneCountInString(s) <= quotedLength {
		return s
	}
	r := []rune(s)
	return string(r[:quotedLength]) + "…"
}
