package workflows

import (
	"cmp"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
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
	f := fields{vars: r.vars}
	in := EmailInput{
		Key:        idempotencyKey(ctx, p.id),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		StepID:     p.id,
		To:         f.text("to", cmp.Or(s.To, defaultEmailTo)),
		Subject:    f.text("subject", s.Subject),
		Text:       f.text("text", s.Text),
		HTML:       f.html("html", s.HTML),
	}
	if f.err != nil {
		return sent{}, f.err
	}
	in.Contact = r.contact(ctx, ChannelEmail, in.To, survey)
	return r.send(ctx, p, ChannelEmail, "email", in.To, SendEmailActivity, in)
}
