package workflows

import (
	"cmp"
	"html/template"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/rating"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
)

func init() { interpret(sendEmail) }

// sendEmail sends the email of a send_email step, or the survey email of a
// send_survey step, which sends its to, subject, text and html through it.
// A step with fallback runs it when the email is skipped or fails for
// good (see sendWithFallback), in runs since sendFallbackChange.
func sendEmail(r *run, ctx workflow.Context, s *entry.SendEmail, p place) error {
	if r.changes.sendFallback && len(s.Fallback) > 0 {
		return r.sendWithFallback(ctx, p, ChannelEmail, s.Fallback, 0, func() (sent, error) {
			return sendEmailMessage(r, ctx, s, p, false)
		})
	}
	_, err := sendEmailMessage(r, ctx, s, p, false)
	return err
}

// sendEmailMessage sends the email; survey marks a survey's, for the
// contact policy's survey grace.
func sendEmailMessage(r *run, ctx workflow.Context, s *entry.SendEmail, p place, survey bool) (sent, error) {
	return sendEmailWith(r, ctx, s, p, survey, nil)
}

// RatingLinksMarker stands where an entry's html shows
// $(survey.rating_links): the send activity puts the rating buttons there,
// in the colours of the run's brand. It is a comment, which html/template
// keeps out of any value a customer supplies, so nothing but the
// interpreter can write it.
const RatingLinksMarker = "<!--ccflow:rating-links-->"

// sendEmailWith sends the email. In runs since htmlContextsChange its html
// has each value escaped for where it lands, and mail, a survey's, makes
// it a survey email: its text lists a link per score (where it says
// $(survey.rating_links), else at its end), its html shows the rating
// buttons where it says $(survey.rating_links), and the send activity
// writes the HTML of one without an html of its own, in the run's brand.
func sendEmailWith(r *run, ctx workflow.Context, s *entry.SendEmail, p place, survey bool, mail *SurveyEmail) (sent, error) {
	if !r.changes.htmlContexts {
		mail = nil
	}
	f := r.fields()
	var trusted map[string]template.HTML
	text, textAt := f.local("text", s.Text)
	if mail != nil {
		words := i18n.For(r.lang)
		list := rating.Text(rating.Links(mail.URL, mail.Scale, words), words)
		if text != "" && !mentions(text, entry.RatingLinksVariable) {
			text += "\n\n" + list
		}
		f.vars = withVar(r.vars, entry.RatingLinksVariable, list)
		trusted = map[string]template.HTML{entry.RatingLinksVariable: RatingLinksMarker}
	}
	in := EmailInput{
		Key:        idempotencyKey(ctx, p.id),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		StepID:     p.id,
		To:         f.text("to", cmp.Or(s.To, defaultEmailTo)),
		Subject:    f.localText("subject", s.Subject),
		Text:       f.text(textAt, text),
		HTML:       f.localHTML("html", s.HTML, r.changes.htmlContexts, trusted),
	}
	if f.err != nil {
		return sent{}, f.err
	}
	in.Survey = mail
	in.Contact = r.contact(ctx, ChannelEmail, in.To, survey)
	return r.send(ctx, p, ChannelEmail, "email", in.To, SendEmailActivity, in)
}

// mentions reports whether the template tmpl names the variable name.
func mentions(tmpl, name string) bool {
	names, err := templates.Names(tmpl)
	return err == nil && slices.Contains(names, name)
}

// withVar is v with name set to value, v itself unchanged: a value one
// message shows, which the run's variables do not keep.
func withVar(v vars.Vars, name string, value any) vars.Vars {
	out := make(vars.Vars, len(v)+1)
	//workflowcheck:ignore
	for k, x := range v { // a copy: the order changes nothing
		out[k] = x
	}
	out[name] = value
	return out
}
