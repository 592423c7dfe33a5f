// Package scale holds the rules of a survey's rating scale: which scores a
// scale takes, how a score written by a customer is read, and what a
// score says (a CSAT "satisfied" answer, an NPS promoter or detractor).
// Every path that takes a score (the survey page's form, the JSON answer,
// later a rating button in an email or an SMS reply) reads it here, so
// they all accept and refuse the same answers.
package scale

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
)

// Scale is a survey's rating scale, as a send_survey step's scale field
// and the store spell it.
type Scale string

// The scales a survey may have.
const (
	// CSAT is "1-5": how satisfied the customer is, 1 (very unhappy) to 5
	// (very happy); results report CSAT, the share of 4 and 5.
	CSAT Scale = "1-5"
	// NPS is "0-10": how likely the customer is to recommend, 0 to 10;
	// results report NPS, the share of 9 and 10 minus that of 0 to 6.
	NPS Scale = "0-10"
	// Default is the scale of a survey that names none.
	Default = CSAT
)

// All lists the scales, default first.
var All = []Scale{CSAT, NPS}

// Parse reads a scale's name; "" is the Default.
func Parse(name string) (Scale, error) {
	switch s := Scale(name); s {
	case "":
		return Default, nil
	case CSAT, NPS:
		return s, nil
	}
	return "", fmt.Errorf("%q is not a survey scale (use %q or %q)", name, CSAT, NPS)
}

// Of is the scale named name, the Default when name is "" or unknown (a
// value read from the store, which checked it on the way in).
func Of(name string) Scale {
	s, err := Parse(name)
	if err != nil {
		return Default
	}
	return s
}

// Min is the lowest score on s.
func (s Scale) Min() int {
	if s == NPS {
		return 0
	}
	return 1
}

// Max is the highest score on s.
func (s Scale) Max() int {
	if s == NPS {
		return 10
	}
	return 5
}

// Scores lists every score on s, lowest first.
func (s Scale) Scores() []int {
	out := make([]int, 0, s.Max()-s.Min()+1)
	for n := s.Min(); n <= s.Max(); n++ {
		out = append(out, n)
	}
	return out
}

// Contains reports whether score is on s.
func (s Scale) Contains(score int) bool { return score >= s.Min() && score <= s.Max() }

// Range says the scale in words: "from 1 to 5".
func (s Scale) Range() string { return fmt.Sprintf("from %d to %d", s.Min(), s.Max()) }

// Check reports a score that is not on s as an error naming field.
func (s Scale) Check(field string, score int) error {
	if !s.Contains(score) {
		return validation.Errorf(field, "%d is not a whole number %s", score, s.Range())
	}
	return nil
}

// ParseScore reads a score a customer wrote (a form field, later a
// button's link or an SMS): a whole number on s, spaces around it
// ignored. "4.5", "five", "+4", "04" and numbers off the scale are
// refused with an error naming field.
func (s Scale) ParseScore(field, text string) (int, error) {
	t := strings.TrimSpace(text)
	bad := validation.Errorf(field, "%s is not a whole number %s", validation.Quote(t), s.Range())
	if t == "" || len(t) > 2 || (len(t) == 2 && t[0] == '0') {
		return 0, bad
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || !s.Contains(n) {
		return 0, bad
	}
	return n, nil
}

// Anchors are the words a rating shows at its two ends, in English.
func (s Scale) Anchors() (low, high string) {
	if s == NPS {
		return "Not at all likely", "Extremely likely"
	}
	return "Very unhappy", "Very happy"
}

// Satisfied reports a CSAT answer that counts as satisfied (4 or 5).
func Satisfied(score int) bool { return score >= 4 && score <= 5 }

// Promoter reports an NPS answer of 9 or 10; Detractor one of 0 to 6.
func Promoter(score int) bool { return score >= 9 && score <= 10 }

// Detractor reports an NPS answer of 0 to 6.
func Detractor(score int) bool { return score >= 0 && score <= 6 }
