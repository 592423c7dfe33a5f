package workflows

import (
	"cmp"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(sendSMS) }

// sendSMS sends the SMS of a send_sms step, or the survey SMS of a
// send_survey step, which sends its to and text through it. A step with
// fallback runs it when the SMS is skipped, fails for good or is reported
// undelivered within its fallback_after (see sendWithFallback), in runs
// since sendFallbackChange.
func sendSMS(r *run, ctx workflow.Context, s *entry.SendSMS, p place) error {
	if r.changes.sendFallback && len(s.Fallback) > 0 {
		window, err := s.FallbackWindow()
		if err != nil {
			return fmt.Errorf("fallback_after: %w", err)
		}
		return r.sendWithFallback(ctx, p, ChannelSMS, s.Fallback, window, func() (sent, error) {
			return sendSMSMessage(r, ctx, s, p, false)
		})
	}
	_, err := sendSMSMessage(r, ctx, s, p, false)
	return err
}

// sendSMSMessage sends the SMS; survey marks a survey's, for the contact
// policy's survey grace.
func sendSMSMessage(r *run, ctx workflow.Context, s *entry.SendSMS, p place, survey bool) (sent, error) {
	return sendSMSWith(r, ctx, s, p, survey, nil)
}

// sendSMSWith sends the SMS with the text finish makes of the rendered
// text, when finish is set: a survey's SMS adds its question and what to
// reply (or its link).
func sendSMSWith(r *run, ctx workflow.Context, s *entry.SendSMS, p place, survey bool, finish func(text string) string) (sent, error) {
	f := r.fields()
	in := SMSInput{
		Key:        idempotencyKey(ctx, p.id),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		StepID:     p.id,
		To:         f.text("to", cmp.Or(s.To, defaultSMSTo)),
		Text:       f.localText("text", s.Text),
	}
	if f.err != nil {
		return sent{}, f.err
	}
	if finish != nil {
		in.Text = finish(in.Text)
	}
	in.Contact = r.contact(ctx, ChannelSMS, in.To, survey)
	return r.send(ctx, p, ChannelSMS, "SMS", in.To, SendSMSActivity, in)
}
