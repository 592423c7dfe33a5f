package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/webhook"
)

// Webhook deliveries: one WebhookDelivery workflow per delivery (an event
// to one subscription), started by the dispatcher under the ID
// WebhookWorkflowID(delivery id), so a delivery is started once however
// often it is dispatched. Its history holds the delivery's id and the
// schedule, never the event's data: the activity reads that from the store.
// Its activities are DeliverWebhookActivity and FinishWebhookActivity.
const WebhookDeliveryWorkflow = "WebhookDelivery"

// WebhookWorkflowID is the workflow ID of a delivery's workflow.
func WebhookWorkflowID(deliveryID string) string { return "webhook-delivery/" + deliveryID }

// WebhookDeliveryInput starts a delivery: its id (the webhook-id) and
// the retry schedule (the worker's, webhook.DefaultRetry in production).
type WebhookDeliveryInput struct {
	DeliveryID string        `json:"delivery_id"`
	Retry      webhook.Retry `json:"retry"`
}

// DeliverWebhookInput is one attempt: the delivery and its schedule,
// which the attempt records its next try by.
type DeliverWebhookInput struct {
	DeliveryID string        `json:"delivery_id"`
	Retry      webhook.Retry `json:"retry"`
}

// How a delivery ended (WebhookOutcome.Outcome).
const (
	WebhookDelivered = "delivered"
	// WebhookStopped: the subscription answered 410, was disabled or
	// deleted, or the event was erased.
	WebhookStopped = "stopped"
	// WebhookFailed: no attempt succeeded in the schedule's time.
	WebhookFailed = "failed"
)

// WebhookOutcome is how a delivery ended, and why when it was not delivered.
type WebhookOutcome struct {
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

// FinishWebhookInput records a delivery's end.
type FinishWebhookInput struct {
	DeliveryID string `json:"delivery_id"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
}

// WebhookDelivery tries one delivery by its schedule: the attempt is an
// activity whose retry policy is the schedule, so Temporal keeps the
// retries through restarts of every part and no goroutine holds the
// delivery. A network error, a timeout or an answer other than 2xx fails
// the attempt and Temporal retries it; a 410 (the attempt disables the
// subscription) or a subscription gone ends it at once. When the schedule
// runs out the delivery is recorded as failed.
func WebhookDelivery(ctx workflow.Context, in WebhookDeliveryInput) (WebhookOutcome, error) {
	r := in.Retry
	if r == (webhook.Retry{}) {
		r = webhook.DefaultRetry
	}
	attemptCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// The request's own limit, and time to record its outcome.
		StartToCloseTimeout:    r.Timeout + 10*time.Second,
		ScheduleToCloseTimeout: r.For,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    r.First,
			BackoffCoefficient: r.Coefficient,
			MaximumInterval:    r.Max,
		},
		Summary: "deliver webhook " + in.DeliveryID,
	})
	var out WebhookOutcome
	err := workflow.ExecuteActivity(attemptCtx, DeliverWebhookActivity, DeliverWebhookInput(in)).Get(ctx, &out)
	if err == nil {
		return out, nil
	}
	out = WebhookOutcome{Outcome: WebhookFailed, Reason: "no attempt succeeded in " + r.For.String()}
	finishCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
		Summary:                "record webhook delivery failed",
	})
	if err := workflow.ExecuteActivity(finishCtx, FinishWebhookActivity,
		FinishWebhookInput{DeliveryID: in.DeliveryID, Status: WebhookFailed, Reason: out.Reason}).Get(ctx, &out); err != nil {
		return out, err
	}
	return out, nil
}
