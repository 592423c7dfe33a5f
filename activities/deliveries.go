package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// providerTimeout bounds one provider call (an SMTP conversation, a Twilio
// request) well inside workflows.SendTimeout, and recordTimeout the write that
// records its outcome, so a message the provider accepted late still gets
// recorded as sent before the attempt runs out; otherwise the retry would
// send it again.
const (
	providerTimeout = providers.Timeout
	recordTimeout   = 5 * time.Second
)

// deliverOnce makes one provider call idempotent under rec.Key: the delivery
// is recorded before the call and after it, and a key already recorded as
// sent returns that record (AlreadySent) without calling the provider.
// A permanent refusal (providers.ErrRejected) is recorded as failed and
// returned as a non-retryable error; any other error is recorded on the
// delivery and returned as it is, for Temporal to retry.
//
// The gap: between the provider accepting the message and MarkDelivered
// committing, nothing durable says it was sent. If the worker crashes there,
// or the store cannot be written, the activity is retried, finds the
// delivery still pending and sends again: the customer gets the message
// twice. Neither SMTP nor Twilio's Messages API takes an idempotency key
// that would close this gap, so it is kept as narrow as one database write.
// An email keeps the Message-ID derived from the key (MessageID), so mail
// systems that deduplicate on it treat the second copy as the same message;
// an SMS has no such header and arrives twice.
func (a *Activities) deliverOnce(ctx context.Context, rec store.Delivery, send func(context.Context) (providerID string, err error)) (workflows.Delivery, error) {
	if rec.Key == "" {
		return workflows.Delivery{}, invalidInput(fmt.Sprintf("%s to %s has no idempotency key", rec.Channel, rec.Recipient))
	}
	logger := a.logger(ctx)
	d, err := a.Store.BeginDelivery(ctx, rec)
	if err != nil {
		return workflows.Delivery{}, err
	}
	if d.Status == store.DeliverySent {
		logger.Info("Already sent, not sending again", "key", d.Key, "channel", d.Channel, "provider_id", d.ProviderID)
		return deliveryOf(d, true), nil
	}

	sendCtx, cancel := context.WithTimeout(ctx, providerTimeout)
	providerID, err := send(sendCtx)
	cancel()
	// The outcome is recorded even when the attempt's own context has run
	// out meanwhile: above all a message the provider accepted.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err != nil {
		permanent := errors.Is(err, providers.ErrRejected)
		if recErr := a.Store.MarkDeliveryFailed(recordCtx, rec.Key, err.Error(), permanent); recErr != nil {
			// The send's own error matters more: a lost note of it only
			// leaves last_error stale.
			logger.Error("Recording the failed send", "key", rec.Key, "error", recErr)
		}
		if permanent {
			logger.Warn("Provider refused the message", "key", rec.Key, "channel", rec.Channel, "to", rec.Recipient, "error", err)
			return workflows.Delivery{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s to %s refused: %v", rec.Channel, rec.Recipient, err), workflows.ErrTypeSendRejected, err)
		}
		return workflows.Delivery{}, fmt.Errorf("sending %s to %s (attempt %d): %w", rec.Channel, rec.Recipient, d.Attempts, err)
	}

	d, err = a.Store.MarkDelivered(recordCtx, rec.Key, providerID)
	if err != nil {
		// The provider has the message; the retry this error causes will
		// send it again (the gap described above).
		return workflows.Delivery{}, fmt.Errorf("recording %s to %s as sent (provider id %s): %w", rec.Channel, rec.Recipient, providerID, err)
	}
	logger.Info("Sent", "key", d.Key, "channel", d.Channel, "provider_id", d.ProviderID, "attempts", d.Attempts)
	return deliveryOf(d, false), nil
}

func deliveryOf(d store.Delivery, alreadySent bool) workflows.Delivery {
	out := workflows.Delivery{ID: d.Key, Channel: d.Channel, To: d.Recipient, ProviderID: d.ProviderID, AlreadySent: alreadySent}
	if d.SentAt != nil {
		out.SentAt = *d.SentAt
	}
	return out
}
