package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

// Fallbacks. A send_email or send_sms step with fallback steps runs them
// in its message's place, then goes on with the steps after it, when
//
//   - the contact policy skips the message (opted out, capped, a holiday
//     is no skip: it holds), with the policy's reason;
//   - the send fails for good (the provider refuses it, or its retries run
//     out): "failed permanently: …";
//   - for an SMS, Twilio reports it undelivered or failed within the
//     step's fallback_after (default 10m): "undelivered 30007". The run
//     waits for the status on a durable timer; a status reported after the
//     window changes nothing. Email has no delivery status to wait for.
//
// message.fallback holds the reason, and so does the message in the run's
// state. A customer who contacted again still ends the run, and a
// canceled run stays canceled: neither runs a fallback.

// noteStatus keeps a delivery status reported for the run's messages, by
// delivery id; once a status is final, later reports (Twilio may repeat
// one) change nothing.
func (r *run) noteStatus(st DeliveryStatus) {
	if st.DeliveryID == "" || st.Status == "" {
		return
	}
	if prev, ok := r.statuses[st.DeliveryID]; ok && prev.Final() {
		return
	}
	r.statuses[st.DeliveryID] = st
}

// sendWithFallback sends the message of the step at p with send and, when
// the message does not reach the customer as the comment above says, runs
// fallback in its place. window is how long to wait for the delivery
// status after the message went; zero waits for none (email).
func (r *run) sendWithFallback(ctx workflow.Context, p place, channel string, fallback []entry.Step, window time.Duration,
	send func() (sent, error),
) error {
	out, err := send()
	var reason string
	switch {
	case err != nil:
		ae, ok := errors.AsType[*activityError](err)
		if !ok || ctx.Err() != nil || temporal.IsCanceledError(err) {
			return err // a template that does not render is the step's failure; a canceled run ends
		}
		reason = "failed permanently: " + ae.cause()
	case out.Status == SendSkipped:
		reason = out.Reason
	case window > 0:
		if reason, err = r.awaitDelivery(ctx, p, out, window); err != nil {
			return err
		}
	}
	if reason == "" {
		return nil
	}
	r.vars["message.fallback"] = reason
	r.noteFallback(p.id, channel, out, reason)
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineFallback, Channel: channel, To: out.To, Reason: reason})
	workflow.GetLogger(ctx).Info("Message did not reach the customer; running the step's fallback", "step", p.id, "channel", channel)
	return r.runSteps(ctx, fallback, p.path+".fallback", p.next)
}

// awaitDelivery waits up to window for the provider's final delivery
// status of the message out, and says why the fallback runs: the status
// and its error code when the message did not arrive, "" when it did, or
// when no final status came within the window.
func (r *run) awaitDelivery(ctx workflow.Context, p place, out sent, window time.Duration) (string, error) {
	if out.ID == "" || out.Status == SendSkipped {
		return "", nil
	}
	if out.DeliveryStatus != "" {
		// Reported before the send was recorded, and read with it.
		r.noteStatus(DeliveryStatus{DeliveryID: out.ID, Status: out.DeliveryStatus, ErrorCode: out.ErrorCode})
	}
	final := func() bool { st, ok := r.statuses[out.ID]; return ok && st.Final() }
	if !final() {
		// durations.Format writes to a strings.Builder, never to os.Stdout.
		//workflowcheck:ignore
		wait := durations.Format(window)
		r.setDetails(ctx, fmt.Sprintf("waiting up to %s for the SMS's delivery status (step %s)", wait, p.id))
		r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineWaited, Reason: "up to " + wait + " for the SMS's delivery status"})
		var came bool
		err := r.waitDurably(ctx, func() (err error) {
			came, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      window,
				TimerOptions: workflow.TimerOptions{Summary: "delivery status of the SMS of step " + p.id + ", up to " + wait},
			}, final)
			return err
		})
		if err != nil {
			return "", err
		}
		if !came {
			return "", nil // a status after the window changes nothing
		}
	}
	st := r.statuses[out.ID]
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineEvent, Channel: ChannelSMS,
		Reason: strings.TrimSpace("delivery status: " + st.Status + " " + st.ErrorCode)})
	if !st.FailedDelivery() {
		return "", nil
	}
	return strings.TrimSpace(st.Status + " " + st.ErrorCode), nil
}

// noteFallback records on the step's message in the run's state why its
// fallback ran; a send that failed has no message yet, and gets one.
func (r *run) noteFallback(stepID, channel string, out sent, reason string) {
	for i := range r.state.Messages {
		if r.state.Messages[i].StepID == stepID {
			r.state.Messages[i].Fallback = reason
			return
		}
	}
	r.state.Messages = append(r.state.Messages, Message{StepID: stepID, Channel: channel, To: out.To, DeliveryID: out.ID,
		Status: SendFailed, Reason: reason, Fallback: reason})
}
