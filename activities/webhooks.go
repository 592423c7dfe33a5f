package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/providers/webhooksend"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// WebhookSender posts a delivery attempt; *webhooksend.Client is one.
type WebhookSender = webhooksend.Sender

// DeliverWebhook makes one attempt of a delivery and records it: it reads
// the delivery, its event and its subscription, signs the body with the
// subscription's secret (and the one being rotated out, within its
// window), posts it with the delivery's id as webhook-id, and records the
// answer, cut and escaped, with the delivery's new status and next try.
//
// A 2xx answer delivers it. A 410 disables the subscription and ends the
// delivery. Anything else (no answer, a timeout, another status) is
// recorded and returned as a retryable error: Temporal tries again by the
// schedule, with the same webhook-id. A delivery already delivered, or
// whose subscription is disabled or gone, or whose event was erased, sends
// nothing.
func (a *Activities) DeliverWebhook(ctx context.Context, in workflows.DeliverWebhookInput) (workflows.WebhookOutcome, error) {
	logger := a.logger(ctx)
	attempt := 1
	if activity.IsActivity(ctx) {
		attempt = int(activity.GetInfo(ctx).Attempt)
	}
	retry := in.Retry
	if retry == (webhook.Retry{}) {
		retry = webhook.DefaultRetry
	}
	job, err := a.Store.WebhookJob(ctx, in.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		logger.Info("Webhook delivery is gone: its subscription was deleted or its event erased", "delivery_id", in.DeliveryID)
		return workflows.WebhookOutcome{Outcome: workflows.WebhookStopped, Reason: "the delivery was deleted"}, nil
	}
	if err != nil {
		return workflows.WebhookOutcome{}, err
	}
	switch {
	case job.Status == store.WebhookDelivered || job.Status == store.WebhookStopped:
		return workflows.WebhookOutcome{Outcome: job.Status}, nil
	case job.Subscription == nil:
		return a.stopWebhook(ctx, in.DeliveryID, "the subscription was deleted")
	case job.Subscription.DisabledAt != nil:
		return a.stopWebhook(ctx, in.DeliveryID, "the subscription is disabled: "+job.Subscription.DisabledReason)
	}
	sub := job.Subscription
	now := a.now()
	secrets, err := a.webhookSecrets(*sub, now)
	if err != nil {
		return workflows.WebhookOutcome{}, err
	}
	body, err := webhook.Body(job.Event.Type, job.Event.OccurredAt, job.Event.Data)
	if err != nil {
		return workflows.WebhookOutcome{}, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, retry.Timeout)
	started := time.Now()
	answer, sendErr := a.Webhooks.Send(sendCtx, webhooksend.Request{URL: sub.URL, Body: body,
		Headers: webhook.Headers(job.DeliveryID, now, body, secrets...)})
	cancel()
	rec := store.WebhookAttempt{DeliveryID: job.DeliveryID, Attempt: attempt, AttemptedAt: now, Duration: time.Since(started),
		StatusCode: answer.Status, SubscriptionID: sub.ID}
	if sendErr != nil {
		rec.Verdict, rec.Error = webhook.TryAgain, cut(sendErr.Error())
	} else {
		rec.Verdict, rec.Response = webhook.Judge(answer.Status), webhook.Excerpt(answer.Body, webhook.MaxExcerpt)
	}
	switch rec.Verdict {
	case webhook.Delivered:
		rec.Status = store.WebhookDelivered
	case webhook.Gone:
		rec.Status, rec.DisableReason = store.WebhookStopped, "the receiver answered 410 Gone"
	default:
		first := now
		if job.FirstAttemptAt != nil {
			first = *job.FirstAttemptAt
		}
		if next, ok := retry.NextTry(first, attempt, now); ok {
			rec.Status, rec.NextAttemptAt = store.WebhookRetrying, &next
		} else {
			rec.Status = store.WebhookFailed
		}
	}
	// The attempt is recorded even when its time ran out meanwhile.
	recordCtx, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancelRecord()
	if err := a.Store.RecordWebhookAttempt(recordCtx, rec); errors.Is(err, store.ErrNotFound) {
		return workflows.WebhookOutcome{Outcome: workflows.WebhookStopped, Reason: "the delivery was deleted"}, nil
	} else if err != nil {
		return workflows.WebhookOutcome{}, err
	}
	logger.Info("Webhook attempt", "delivery_id", job.DeliveryID, "subscription_id", sub.ID, "type", job.Event.Type,
		"attempt", attempt, "status_code", answer.Status, "outcome", string(rec.Verdict))
	switch rec.Verdict {
	case webhook.Delivered:
		return workflows.WebhookOutcome{Outcome: workflows.WebhookDelivered}, nil
	case webhook.Gone:
		logger.Warn("Webhook receiver answered 410 Gone: subscription disabled", "subscription_id", sub.ID)
		return workflows.WebhookOutcome{Outcome: workflows.WebhookStopped, Reason: rec.DisableReason}, nil
	}
	if sendErr != nil {
		return workflows.WebhookOutcome{}, fmt.Errorf("webhook delivery %s, attempt %d: %s", job.DeliveryID, attempt, rec.Error)
	}
	return workflows.WebhookOutcome{}, fmt.Errorf("webhook delivery %s, attempt %d: the receiver answered %d", job.DeliveryID, attempt, answer.Status)
}

// FinishWebhookDelivery records how a delivery ended when no attempt
// could say so: its schedule ran out.
func (a *Activities) FinishWebhookDelivery(ctx context.Context, in workflows.FinishWebhookInput) (workflows.WebhookOutcome, error) {
	if err := a.Store.FinishWebhookDelivery(ctx, in.DeliveryID, in.Status, in.Reason); err != nil {
		return workflows.WebhookOutcome{}, err
	}
	return workflows.WebhookOutcome{Outcome: in.Status, Reason: in.Reason}, nil
}

// stopWebhook records that a delivery stopped without an attempt.
func (a *Activities) stopWebhook(ctx context.Context, id, reason string) (workflows.WebhookOutcome, error) {
	if err := a.Store.FinishWebhookDelivery(ctx, id, store.WebhookStopped, reason); err != nil {
		return workflows.WebhookOutcome{}, err
	}
	a.logger(ctx).Info("Webhook delivery stopped", "delivery_id", id, "reason", reason)
	return workflows.WebhookOutcome{Outcome: workflows.WebhookStopped, Reason: reason}, nil
}

// webhookSecrets are the secrets a delivery is signed with at now: the
// subscription's, and the one rotated out while its window lasts.
func (a *Activities) webhookSecrets(sub store.WebhookSubscription, now time.Time) ([]webhook.Secret, error) {
	if a.WebhookSealer == nil || a.Webhooks == nil {
		return nil, errors.New("the worker is not set up to deliver webhooks (no sender or no key to open their secrets)")
	}
	current, err := a.WebhookSealer.Open(sub.ID, sub.Secret)
	if err != nil {
		return nil, err
	}
	secrets := []webhook.Secret{current}
	if sub.PreviousSecret != nil && sub.PreviousUntil != nil && now.Before(*sub.PreviousUntil) {
		previous, err := a.WebhookSealer.Open(sub.ID, *sub.PreviousSecret)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, previous)
	}
	return secrets, nil
}

// cut bounds an error kept for operators.
func cut(s string) string { return webhook.Excerpt([]byte(s), webhook.MaxExcerpt) }
