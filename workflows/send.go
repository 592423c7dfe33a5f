package workflows

import (
	"errors"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/policy"
)

// Default recipients when a step leaves "to" empty.
const (
	defaultEmailTo = "$(customer.email)"
	defaultSMSTo   = "$(customer.phone)"
)

// minHold is the shortest timer of a held send: a worker whose clock runs
// a little behind the server's may hold again for an instant, and the
// run must not spin meanwhile.
const minHold = time.Second

// sendOptions are the options of every email and SMS send. A provider outage
// is retried for up to two hours; a permanent refusal is marked
// non-retryable by the activity itself and fails the step at once.
func sendOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    SendTimeout,
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Minute,
		},
		Summary: summary,
	}
}

// sent is how a send ended: the delivery, and whether the contact policy
// held it before it went.
type sent struct {
	Delivery
	held bool
}

// send runs one send activity (SendEmailActivity or SendSMSActivity with
// its input) for the step at p, as the contact policy lets it, and records
// the message in the run's state; noun names the channel in words.
//
// A held send waits on a durable timer until its window opens and is sent
// again, so the policy is checked again then. A skipped send is no
// failure: the message is recorded as skipped with its reason and the run
// goes on, unless the reason is that the customer contacted again and the
// entry stops on it (a contactedAgain error).
func (r *run) send(ctx workflow.Context, p place, channel, noun, to, activity string, in any) (sent, error) {
	out := sent{Delivery: Delivery{To: to}} // the recipient, also when the send fails
	for {
		r.setDetails(ctx, "sending "+noun+" (step "+p.id+")")
		opts := sendOptions("send " + noun + " for step " + p.id)
		opts.WaitForCancellation = finishesSends(ctx)
		actx := workflow.WithActivityOptions(ctx, opts)
		var d Delivery
		if err := workflow.ExecuteActivity(actx, activity, in).Get(ctx, &d); err != nil {
			// A failed send is the step's failure (State.Errors); the
			// store's delivery record says how it failed.
			return out, &activityError{doing: "sending " + noun + " to " + to, err: err}
		}
		out.Delivery = d
		r.recordMessage(ctx, p.id, channel, to, d)
		r.noteSend(ctx, p.id, channel, to, d, isSurvey(in))
		switch d.Status {
		case SendHeld:
			out.held = true
			if ctx.Err() != nil && finishesSends(ctx) {
				// Canceled while the send was on its way: a thread that
				// finishes its sends does not wait out the hold.
				return out, ctx.Err()
			}
			held := policy.HeldDetails(policy.Decision{Until: d.Until, Zone: d.Zone, Code: d.Code}, workflow.Now(ctx))
			r.setDetails(ctx, held+" before sending "+noun+" (step "+p.id+")")
			wait := d.Wait
			if wait <= 0 {
				wait = d.Until.Sub(workflow.Now(ctx))
			}
			wait = max(wait, minHold)
			timer := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: held + " for step " + p.id})
			if err := r.waitDurably(ctx, func() error { return timer.Get(ctx, nil) }); err != nil {
				return out, err
			}
		case SendSkipped:
			if d.Code == policy.CodeContactedAgain {
				return out, &contactedAgain{reason: d.Reason}
			}
			return out, nil
		default:
			return out, nil
		}
	}
}

// isSurvey reports whether in, the input of a send activity, is a
// survey's message.
func isSurvey(in any) bool {
	switch v := in.(type) {
	case EmailInput:
		return v.Contact != nil && v.Contact.Survey
	case SMSInput:
		return v.Contact != nil && v.Contact.Survey
	}
	return false
}

// recordMessage records what became of the step's message in the run's
// state (sent, held or skipped): one entry per step, updated as a held
// message is sent or skipped.
func (r *run) recordMessage(ctx workflow.Context, stepID, channel, to string, d Delivery) {
	status := d.Status
	if status == "" {
		status = SendSent // a result recorded before the contact policy existed
	}
	m := Message{StepID: stepID, Channel: channel, To: to, DeliveryID: d.ID, ProviderID: d.ProviderID, Status: status}
	switch status {
	case SendSent:
		m.SentAt = d.SentAt
		if m.SentAt.IsZero() {
			m.SentAt = workflow.Now(ctx)
		}
	case SendHeld:
		m.Reason, m.Until = d.Reason, d.Until
	default:
		m.Reason = d.Reason
	}
	for i := range r.state.Messages {
		if r.state.Messages[i].StepID == stepID {
			if m.DeliveryID == "" {
				m.DeliveryID = r.state.Messages[i].DeliveryID
			}
			r.state.Messages[i] = m
			return
		}
	}
	r.state.Messages = append(r.state.Messages, m)
}

// contactedAgain ends a run whose entry says cancel_on_new_interaction
// when the customer contacted ccflow again: the run completes, with the
// reason, and runs no on_error steps.
type contactedAgain struct {
	reason string
}

func (e *contactedAgain) Error() string { return e.reason }

// activityError explains an activity that failed after its retries in the
// activity's own words ("sending email to ada@example.com: mailbox
// unavailable") rather than Temporal's event IDs, keeping the cause chain.
type activityError struct {
	doing string
	err   error
}

func (e *activityError) Error() string {
	var timeoutErr *temporal.TimeoutError
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(e.err, &timeoutErr) && errors.As(timeoutErr, &appErr):
		return e.doing + ": timed out retrying; last error: " + appErr.Message()
	case timeoutErr != nil:
		return e.doing + ": timed out"
	case errors.As(e.err, &appErr):
		return e.doing + ": " + appErr.Message()
	}
	return e.doing + ": " + e.err.Error()
}

func (e *activityError) Unwrap() error { return e.err }

// cause is the error without what was being done: "timed out", or the
// activity's own message.
func (e *activityError) cause() string {
	return strings.TrimPrefix(e.Error(), e.doing+": ")
}

// finishSendsKey marks a context whose sends, once scheduled, are waited
// for when it is canceled (withFinishedSends).
type finishSendsKey struct{}

// withFinishedSends is ctx whose sends report how they ended even when
// ctx is canceled while they are on their way: a provider may already
// have the message, and the run's record of it must say so. Waiting for
// a canceled activity changes no command the run makes (the cancel
// request is made either way); only what the run records after it.
func withFinishedSends(ctx workflow.Context) workflow.Context {
	return workflow.WithValue(ctx, finishSendsKey{}, true)
}

// finishesSends reports whether ctx is one of withFinishedSends.
func finishesSends(ctx workflow.Context) bool {
	on, _ := ctx.Value(finishSendsKey{}).(bool)
	return on
}
