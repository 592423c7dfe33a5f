package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Default recipients when a step leaves "to" empty.
const (
	defaultEmailTo = "$(customer.email)"
	defaultSMSTo   = "$(customer.phone)"
)

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

// send runs one send activity (SendEmailActivity or SendSMSActivity with its input)
// for the step at p and records the message; noun names the channel in
// words for details, summaries and errors.
func (r *run) send(ctx workflow.Context, p place, channel, noun, to string, activity, in any) error {
	r.setDetails(ctx, "sending "+noun+" (step "+p.id+")")
	ctx = workflow.WithActivityOptions(ctx, sendOptions("send "+noun+" for step "+p.id))
	var d Delivery
	if err := workflow.ExecuteActivity(ctx, activity, in).Get(ctx, &d); err != nil {
		return &activityError{doing: "sending " + noun + " to " + to, err: err}
	}
	r.recordMessage(ctx, p.id, channel, to, d)
	return nil
}

// recordMessage adds a sent message to the run's state.
func (r *run) recordMessage(ctx workflow.Context, stepID, channel, to string, d Delivery) {
	sentAt := d.SentAt
	if sentAt.IsZero() {
		sentAt = workflow.Now(ctx)
	}
	r.state.Messages = append(r.state.Messages, Message{
		StepID:     stepID,
		Channel:    channel,
		To:         to,
		DeliveryID: d.ID,
		ProviderID: d.ProviderID,
		SentAt:     sentAt,
	})
}

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
