package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
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

// leaseFor is how long an attempt owns its delivery's provider call: as
// long as the attempt may run. A provider call and its record fit inside
// (providerTimeout + recordTimeout < SendTimeout), so an attempt that
// outlives its timeout has given up the call before another may make it.
const leaseFor = workflows.SendTimeout

// Ledger is what the send activities record deliveries in; *store.Store is
// one. Tests give the activities another to run them without PostgreSQL.
type Ledger interface {
	DecideSend(ctx context.Context, a store.SendAttempt, decide store.Decide) (store.Delivery, error)
	MarkDelivered(ctx context.Context, key, providerID string) (store.Delivery, error)
	MarkDeliveryFailed(ctx context.Context, key, message string, permanent bool) error
	MarkDeliverySkipped(ctx context.Context, key, code, reason string) (store.Delivery, error)
	AddSuppression(ctx context.Context, s store.Suppression) (store.Suppression, bool, error)
}

// DecisionEvent is one decision of the contact policy, for DecisionHook.
type DecisionEvent struct {
	Channel string
	// Outcome is "send", "held" or "skipped"; Code the reason code of the
	// latter two (policy.CodeOptedOut, …).
	Outcome string
	Code    string
}

// sendRequest is one send as deliverOnce takes it.
type sendRequest struct {
	key, workflowID, stepID, channel, to string
	contact                              *workflows.Contact
}

// deliverOnce sends one message at most once per idempotency key, and only
// as the contact policy allows:
//
//  1. begin: the store decides the send in one transaction under the
//     customer's lock (DecideSend) and records the decision with the
//     delivery. A delivery already sent, skipped, or held and not yet due
//     comes back as recorded; one whose provider call another attempt
//     owns (its lease unexpired) is a retryable error, and this attempt
//     calls nothing.
//  2. a held or skipped send returns as such: not a failure.
//  3. call the provider, then record what it said: sent with its id, or
//     failed. A permanent refusal (providers.ErrRejected) is recorded as
//     failed and returned non-retryable; a refusal because the recipient
//     opted out at the provider (Twilio's 21610) records the opt-out and
//     returns the send as skipped.
//
// The gap: between the provider accepting the message and MarkDelivered
// committing, nothing durable says it was sent. If the worker dies there
// (kill -9, power) or the store cannot be written for longer than
// recordTimeout (a restart of the store is waited out, see markDelivered),
// the activity is retried once the lease has run out, finds the delivery
// not sent and sends again:
// the customer gets the message twice. Neither SMTP nor Twilio's Messages
// API takes an idempotency key that would close this gap, so it is kept as
// narrow as one database write; a deploy does not open it, since the worker
// drains its sends before it stops. An email keeps the Message-ID derived
// from the key (MessageID), so mail systems that deduplicate on it treat
// the second copy as the same message; an SMS has no such header.
func (a *Activities) deliverOnce(ctx context.Context, req sendRequest, send func(context.Context, store.Delivery) (providerID string, err error)) (workflows.Delivery, error) {
	if req.key == "" {
		return workflows.Delivery{}, invalidInput(fmt.Sprintf("the %s of step %q has no idempotency key", req.channel, req.stepID))
	}
	logger := a.logger(ctx)
	attempt := a.attempt(ctx, req)
	d, err := a.ledger().DecideSend(ctx, attempt, a.decide)
	if errors.Is(err, store.ErrLeased) {
		// The other attempt finishes or its lease runs out; Temporal's
		// retry comes back after either.
		logger.Warn("Another attempt is sending this message; not calling the provider", "key", req.key, "error", err)
		return workflows.Delivery{}, err
	}
	if err != nil {
		return workflows.Delivery{}, err
	}
	switch d.Status {
	case store.DeliverySent:
		a.Metrics.Send(d.Channel, telemetry.SendAlreadySent)
		logger.Info("Already sent, not sending again", "key", d.Key, "channel", d.Channel, "provider_id", d.ProviderID)
		return deliveryOf(d, true), nil
	case store.DeliverySkipped, store.DeliveryHeld:
		a.noteDecision(ctx, d)
		return a.outcome(req, d)
	}
	a.noteDecision(ctx, d)

	sendCtx, cancel := context.WithTimeout(ctx, providerTimeout)
	providerID, err := a.observeSend(sendCtx, d, send)
	cancel()
	// The outcome is recorded even when the attempt's own context has run
	// out meanwhile: above all a message the provider accepted.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if errors.Is(err, providers.ErrOptedOut) {
		return a.optedOutAtProvider(recordCtx, req, d, err)
	}
	if err != nil {
		permanent := errors.Is(err, providers.ErrRejected)
		if recErr := a.ledger().MarkDeliveryFailed(recordCtx, req.key, err.Error(), permanent); recErr != nil {
			// The send's own error matters more: a lost note of it only
			// leaves last_error stale.
			logger.Error("Recording the failed send", "key", req.key, "error", withoutRecipient(recErr, req.to))
		}
		// The error goes to the run's history and to the worker's log
		// (the SDK logs a failed activity at error level): it names the
		// step, not the recipient, whose address the provider's own words
		// may repeat. The delivery keeps the whole error.
		err = withoutRecipient(err, req.to)
		if permanent {
			logger.Warn("Provider refused the message", "key", req.key, "channel", req.channel, "error", err)
			return workflows.Delivery{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s of step %s refused: %v", req.channel, req.stepID, err), workflows.ErrTypeSendRejected, err)
		}
		return workflows.Delivery{}, fmt.Errorf("sending %s of step %s (attempt %d): %w", req.channel, req.stepID, d.Attempts, err)
	}
	d, err = a.markDelivered(recordCtx, req.key, providerID)
	if err != nil {
		// The provider has the message; the retry this error causes will
		// send it again (the gap described above).
		return workflows.Delivery{}, fmt.Errorf("recording %s of step %s as sent (provider id %s): %w", req.channel, req.stepID, providerID,
			withoutRecipient(err, req.to))
	}
	logger.Info("Sent", "key", d.Key, "channel", d.Channel, "provider_id", d.ProviderID, "attempts", d.Attempts)
	return deliveryOf(d, false), nil
}

// markDelivered records that the provider accepted the message, trying
// again until ctx (recordTimeout) ends. A store that is restarting (a fast
// shutdown, a failover) refuses connections for a moment and is back
// within a second or two: giving up at its first refusal would leave the
// delivery unrecorded and its lease held, so the retry would send the
// message again once the lease ran out. The write is idempotent.
func (a *Activities) markDelivered(ctx context.Context, key, providerID string) (store.Delivery, error) {
	wait := 50 * time.Millisecond
	for {
		d, err := a.ledger().MarkDelivered(ctx, key, providerID)
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return d, err
		}
		a.logger(ctx).Warn("Recording a send the provider accepted failed; trying again", "key", key, "provider_id", providerID, "error", err)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return store.Delivery{}, err
		case <-timer.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// attempt describes this attempt to the store.
func (a *Activities) attempt(ctx context.Context, req sendRequest) store.SendAttempt {
	normalized, err := policy.NormalizeAddress(req.channel, req.to)
	if err != nil {
		// The provider refuses it with its own words; the hash still
		// keys the delivery's counts.
		normalized = strings.ToLower(strings.TrimSpace(req.to))
	}
	addresses := a.keys().Addresses
	hash := addresses.Hash(normalized)
	c := req.contact
	if c == nil {
		c = &workflows.Contact{}
	}
	customerKey := policy.CountedAs(c.Recipient, c.CustomerID, hash)
	owner := req.key
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		owner = fmt.Sprintf("%s/%s#%d", info.WorkflowExecution.RunID, info.ActivityID, info.Attempt)
	}
	tz := ""
	if c.Recipient {
		tz = c.TimeZone
	}
	return store.SendAttempt{
		Delivery: store.Delivery{Key: req.key, WorkflowID: req.workflowID, StepID: req.stepID, Channel: req.channel,
			Recipient: req.to, CustomerKey: customerKey, EntryID: c.EntryID, Survey: c.Survey, AddressHash: hash},
		OptOutHashes: addresses.Forms(normalized),
		Owner:        owner, LeaseFor: leaseFor, Now: a.now(), Clock: a.now,
		CustomerID: c.CustomerID, InteractionID: c.InteractionID, RunStartedAt: c.RunStartedAt,
		Request: policy.Request{CustomerTimeZone: tz, Service: c.Service, EntryQuietHours: c.QuietHours,
			CancelOnNewInteraction: c.CancelOnNewInteraction},
	}
}

// decide is the policy's decision with the server's default zone.
func (a *Activities) decide(p policy.Policy, r policy.Request) policy.Decision {
	return p.Decide(r, a.DefaultTimeZone)
}

// outcome returns a held or skipped delivery to the workflow; a caller
// without Contact cannot take either, and gets an error instead.
func (a *Activities) outcome(req sendRequest, d store.Delivery) (workflows.Delivery, error) {
	out := deliveryOf(d, false)
	if out.Status == workflows.SendHeld {
		out.Wait = out.Until.Sub(a.now())
	}
	if req.contact != nil {
		return out, nil
	}
	if d.Status == store.DeliverySkipped {
		return workflows.Delivery{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s of step %s not sent: %s", req.channel, req.stepID, d.Reason), workflows.ErrTypeSendSkipped, nil)
	}
	return workflows.Delivery{}, fmt.Errorf("%s of step %s not sent yet: %s", req.channel, req.stepID, d.Reason)
}

// optedOutAtProvider records an opt-out the provider told of (Twilio's
// 21610) and returns the send as skipped.
func (a *Activities) optedOutAtProvider(ctx context.Context, req sendRequest, d store.Delivery, cause error) (workflows.Delivery, error) {
	logger := a.logger(ctx)
	address := req.to
	if n, err := policy.NormalizeAddress(req.channel, req.to); err == nil {
		address = n
	}
	if _, _, err := a.ledger().AddSuppression(ctx, store.Suppression{Channel: req.channel, AddressHash: d.AddressHash,
		Address: &address, Reason: cause.Error(), Source: store.SourceTwilio21610}); err != nil {
		return workflows.Delivery{}, fmt.Errorf("recording the opt-out the provider reported for the %s of step %s: %w", req.channel, req.stepID,
			withoutRecipient(err, req.to))
	}
	d, err := a.ledger().MarkDeliverySkipped(ctx, req.key, policy.CodeOptedOut, "opted out")
	if err != nil {
		return workflows.Delivery{}, err
	}
	logger.Info("The provider says the recipient opted out; recorded the opt-out and skipped the send", "key", req.key, "channel", req.channel)
	a.noteDecision(ctx, d)
	return a.outcome(req, d)
}

// noteDecision logs a decision with its reason and tells DecisionHook.
func (a *Activities) noteDecision(ctx context.Context, d store.Delivery) {
	outcome := d.Decision
	if outcome == "" {
		outcome = d.Status
	}
	switch outcome {
	case string(policy.Send):
		a.logger(ctx).Debug("Contact policy: send", "key", d.Key, "channel", d.Channel)
	default:
		a.logger(ctx).Info("Contact policy: "+outcome, "key", d.Key, "channel", d.Channel, "code", d.ReasonCode, "reason", d.Reason)
	}
	if a.DecisionHook != nil {
		a.DecisionHook(DecisionEvent{Channel: d.Channel, Outcome: outcome, Code: d.ReasonCode})
	}
}

func deliveryOf(d store.Delivery, alreadySent bool) workflows.Delivery {
	out := workflows.Delivery{ID: d.Key, Channel: d.Channel, To: d.Recipient, ProviderID: d.ProviderID, AlreadySent: alreadySent}
	switch d.Status {
	case store.DeliverySent:
		out.Status = workflows.SendSent
		if d.SentAt != nil {
			out.SentAt = *d.SentAt
		}
		out.DeliveryStatus, out.ErrorCode = d.ReportedStatus, d.ReportedErrorCode
	case store.DeliveryHeld:
		out.Status, out.Code, out.Reason = workflows.SendHeld, d.ReasonCode, d.Reason
		if d.HoldUntil != nil {
			out.Until = *d.HoldUntil
		}
	case store.DeliverySkipped:
		out.Status, out.Code, out.Reason = workflows.SendSkipped, d.ReasonCode, d.Reason
	}
	if z := zoneOf(d.Reason); z != "" {
		out.Zone = z
	}
	return out
}

// zoneOf reads the zone back out of a quiet-hours reason ("quiet hours
// until 2026-12-01 08:00 America/New_York"), for the run's details.
func zoneOf(reason string) string {
	rest, ok := strings.CutPrefix(reason, "quiet hours until ")
	if !ok {
		if rest, ok = strings.CutPrefix(reason, "holiday until "); !ok {
			return ""
		}
	}
	parts := strings.Fields(rest)
	if len(parts) != 3 {
		return ""
	}
	return parts[2]
}
