// Package rating builds the one-click ratings of a survey: one link per
// score on the survey's scale, each opening the survey page with that
// score chosen (/s/{token}?score=N), and the words that go with them in
// the customer's language. The email's buttons (package mailview), the
// text part's list and the SMS reply prompt all read them here.
//
// Opening a link records nothing: the page shows the score chosen and the
// comment box, and only the page's submission (a POST) answers, so the
// mail scanners that open every link of a message answer nothing.
package rating

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/scale"
)

// ScoreParam is the query parameter of a link that chooses a score.
const ScoreParam = "score"

// Link is one score's link.
type Link struct {
	Score int
	URL   string
	// Label is the score's word ("Excellent"): every score of a 1-5
	// scale has one, and the two ends of 0-10; "" for the others.
	Label string
}

// Links are the links of every score on s, lowest first, to the survey
// page at surveyURL, labelled in w's language. A surveyURL with a query
// keeps it.
func Links(surveyURL string, s scale.Scale, w i18n.Words) []Link {
	sep := "?"
	if strings.Contains(surveyURL, "?") {
		sep = "&"
	}
	var out []Link
	for _, n := range s.Scores() {
		out = append(out, Link{
			Score: n,
			URL:   surveyURL + sep + ScoreParam + "=" + strconv.Itoa(n),
			Label: Label(s, n, w),
		})
	}
	return out
}

// Label is score's word on s in w's language, "" for a score with none
// (the middle of 0-10).
func Label(s scale.Scale, score int, w i18n.Words) string {
	switch {
	case s == scale.NPS && score == s.Min():
		return w.T("scale.0-10.low")
	case s == scale.NPS && score == s.Max():
		return w.T("scale.0-10.high")
	case s == scale.CSAT && s.Contains(score):
		return w.T("scale.1-5." + strconv.Itoa(score))
	}
	return ""
}

// Hint says the scale's two ends in a sentence: "1 is very poor, 5 is
// excellent."
func Hint(s scale.Scale, w i18n.Words) string { return w.T("survey.hint." + string(s)) }

// Text is the links as the text part of an email lists them: a line
// saying what they are, then one line per score, "5 (Excellent): URL".
func Text(links []Link, w i18n.Words) string {
	var b strings.Builder
	b.WriteString(w.T("email.text.rate"))
	for _, l := range links {
		b.WriteByte('\n')
		if l.Label != "" {
			fmt.Fprintf(&b, "%d (%s): %s", l.Score, l.Label, l.URL)
		} else {
			fmt.Fprintf(&b, "%d: %s", l.Score, l.URL)
		}
	}
	return b.String()
}

// ParseScore reads the score a link chose from a request's query: ok is
// false when the query chooses none; a value that is not a whole number
// on s is an error naming the field "score".
func ParseScore(query url.Values, s scale.Scale) (score int, ok bool, err error) {
	if !query.Has(ScoreParam) {
		return 0, false, nil
	}
	n, err := s.ParseScore(ScoreParam, query.Get(ScoreParam))
	if err != nil {
		return 0, false, err
	}
	return n, true, nil
}
