package workflows

import (
	"cmp"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(sendSMS) }

// sendSMS sends the SMS of a send_sms step, or the survey SMS of a
// send_survey step, which sends its to and text through it.
func sendSMS(r *run, ctx workflow.Context, s *entry.SendSMS, p place) error {
	f := fields{vars: r.vars}
	in := SMSInput{
		Key:        idempotencyKey(ctx, p.id),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		StepID:     p.id,
		To:         f.text("to", cmp.Or(s.To, defaultSMSTo)),
		Text:       f.text("text", s.Text),
	}
	if f.err != nil {
		return f.err
	}
	return r.send(ctx, p, ChannelSMS, "SMS", in.To, SendSMSActivity, in)
}
