package workflows

import (
	"cmp"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/entry"
)

// sendSMS sends the SMS of a send_sms step, or the survey SMS of a
// send_survey step: both carry to and text.
func (r *run) sendSMS(ctx workflow.Context, s entry.Step, p place) error {
	f := fields{vars: r.vars}
	in := activities.SMSInput{
		Key:        idempotencyKey(ctx, p.id),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		StepID:     p.id,
		To:         f.text("to", cmp.Or(s.To, defaultSMSTo)),
		Text:       f.text("text", s.Text),
	}
	if f.err != nil {
		return f.err
	}

	r.setDetails(ctx, "sending SMS (step "+p.id+")")
	ctx = workflow.WithActivityOptions(ctx, sendOptions("send SMS for step "+p.id))
	var d activities.Delivery
	if err := workflow.ExecuteActivity(ctx, a.SendSMS, in).Get(ctx, &d); err != nil {
		return &activityError{doing: "sending SMS to " + in.To, err: err}
	}
	r.recordMessage(ctx, p.id, channelSMS, in.To, d)
	return nil
}
