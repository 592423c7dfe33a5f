package workflows

import (
	"cmp"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

// sendEmail sends the email of a send_email step, or the survey email of a
// send_survey step: both carry to, subject, text and html.
func (r *run) sendEmail(ctx workflow.Context, s entry.Step, p place) error {
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
		return f.err
	}
	return r.send(ctx, p, ChannelEmail, "email", in.To, SendEmailActivity, in)
}
