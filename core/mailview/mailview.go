// Package mailview writes the HTML of ccflow's survey emails: the rating
// buttons ($(survey.rating_links) in an entry's own html) and, for a
// survey email without an html of its own, the whole message, in the
// customer's language and the brand of the run's service.
//
// Email clients are not browsers: many drop <style> and <head>, most load
// no remote image or font until asked, Outlook lays out with Word. So the
// HTML is tables with inline styles and bgcolor attributes, system fonts
// only, and the logo comes with the message (a cid: URL the sender
// attaches, or a URL ccflow serves). Every colour pair reads at 4.5:1 or
// better whatever the brand's accent (brand.ColorsFor), and every value
// goes through html/template, so a customer's name or a brand's contact
// line is text, never markup.
//
// It is pure: it renders what it is given and reads nothing.
package mailview

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/rating"
	"github.com/ccflow/ccflow/core/scale"
)

// Survey is what a survey email shows.
type Survey struct {
	// Lang is the run's language; the words are the catalog's closest.
	Lang  string
	Brand brand.Brand
	// LogoSrc is the logo's URL in the message: "cid:…" for a logo the
	// sender attaches, or ccflow's URL of it; "" shows the name alone.
	LogoSrc template.URL
	// Question is the survey's question, rendered in the run's language.
	Question string
	// URL is the survey page; each button adds its score to it.
	URL   string
	Scale scale.Scale
	// Unsubscribe is the one-click unsubscribe URL, "" for none.
	Unsubscribe string
}

//go:embed email.html
var emailHTML string

var tmpl = template.Must(template.New("email").Parse(emailHTML))

// view is what the templates read.
type view struct {
	Survey
	Words  i18n.Words
	Colors brand.Colors
	Links  []rating.Link
	// Cell is each button's share of the row, Gap the space on each of
	// its sides and Edge the row's inset, so the buttons line up with the
	// text above them; Size is the numbers' size.
	Cell, Gap, Edge, Size string
}

// First and Last are the links at the scale's two ends, whose words the
// row under the buttons shows.
func (v view) First() rating.Link { return v.Links[0] }

// Last is the link of the scale's highest score.
func (v view) Last() rating.Link { return v.Links[len(v.Links)-1] }

func newView(s Survey) view {
	w := i18n.For(s.Lang)
	s.Scale = scale.Of(string(s.Scale))
	links := rating.Links(s.URL, s.Scale, w)
	v := view{Survey: s, Words: w, Colors: brand.ColorsFor(s.Brand.Accent), Links: links,
		Cell: fmt.Sprintf("%d%%", 100/len(links)), Gap: "4px", Edge: "20px", Size: "22px"}
	if len(links) > 5 {
		// Eleven buttons fit a phone's 390 pixels only closer together.
		v.Gap, v.Edge, v.Size = "2px", "22px", "17px"
	}
	return v
}

// Buttons is the rating block: one button per score on the survey's
// scale, each a link to the survey page with that score chosen, and the
// scale's words. It is what $(survey.rating_links) puts into an entry's
// own html.
func Buttons(s Survey) (template.HTML, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "buttons", newView(s)); err != nil {
		return "", fmt.Errorf("writing the rating buttons: %w", err)
	}
	return template.HTML(b.String()), nil //nolint:gosec // written by html/template
}

// Email is the whole HTML message of a survey email that has no html of
// its own: the brand, the question, the buttons, a link to the page, the
// contact line and the unsubscribe link.
func Email(s Survey) (string, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "email", newView(s)); err != nil {
		return "", fmt.Errorf("writing the survey email: %w", err)
	}
	return strings.TrimSpace(b.String()) + "\n", nil
}
