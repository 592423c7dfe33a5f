package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccflow/ccflow/core/policy"
)

// ErrLeased: another attempt owns the delivery's provider call and its
// lease has not run out; this attempt must not call the provider.
var ErrLeased = errors.New("another attempt is sending it")

// SendAttempt is one attempt of a send activity asking to call the provider.
type SendAttempt struct {
	// Delivery names the send (Key) and what the policy counts it under
	// (CustomerKey, Channel, Survey, EntryID, AddressHash).
	Delivery Delivery
	// Owner names the attempt, LeaseFor how long its lease lasts: as long
	// as the attempt may run.
	Owner    string
	LeaseFor time.Duration
	// Now is the attempt's clock when it asked: the hold and the lease
	// are judged against it, and the decision is made for it unless
	// Clock is set.
	Now time.Time
	// Clock, when set, gives the instant the decision is made for and
	// stamped with, read under the customer's lock just before the facts
	// are read (and, for a skip as opted out, again after them). So the
	// decisions on one customer are stamped in the order they were made,
	// a skip after the opt-out it saw and a send before an opt-out it did
	// not see: Now, read before the lock, can be later than the stamp of
	// a decision that went first, and earlier than an opt-out made while
	// the attempt waited for the lock.
	Clock func() time.Time
	// CustomerID and InteractionID are the run's customer and interaction;
	// RunStartedAt stands in for the interaction's arrival when ingest did
	// not record it (a run started before the policy existed).
	CustomerID    string
	InteractionID string
	RunStartedAt  time.Time
	// Request is the send as the policy sees it; DecideSend fills in the
	// facts (OptedOut, ContactedAgain, LastSurvey, RecentSends).
	Request policy.Request
	// OptOutHashes are every hash an opt-out of the recipient may be kept
	// under (policy.AddressHasher.Forms); none means Delivery.AddressHash.
	OptOutHashes []string
}

// Decide is the pure decision DecideSend applies to the facts it gathered:
// usually policy.Policy.Decide with the server's default zone.
type Decide func(policy.Policy, policy.Request) policy.Decision

// DecideSend decides, in one transaction, whether the attempt may call the
// provider now, and records the decision on the delivery:
//
//   - it takes a transaction-scoped advisory lock on the customer, so two
//     workers deciding sends to one customer take turns and can never both
//     pass a cap;
//   - a delivery already sent or skipped, or held and not yet due, comes
//     back as recorded: the retry decides as the first attempt did;
//   - a delivery whose provider call another attempt owns (its lease
//     unexpired) is ErrLeased;
//   - otherwise it reads the policy and the customer's facts, applies
//     decide and records the outcome: pending with this attempt's lease
//     (Decision "send", one more attempt counted), held with HoldUntil, or
//     skipped, each with its reason.
func (s *Store) DecideSend(ctx context.Context, a SendAttempt, decide Decide) (Delivery, error) {
	d := a.Delivery
	var got Delivery
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "ccflow-customer:"+d.CustomerKey); err != nil {
			return fmt.Errorf("locking customer %q: %w", d.CustomerKey, err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO deliveries (key, workflow_id, step_id, channel, recipient, status, attempts,
				customer_key, entry_id, survey, address_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8, $9, COALESCE($10, now()), COALESCE($10, now()))
			ON CONFLICT (key) DO NOTHING`,
			d.Key, d.WorkflowID, d.StepID, d.Channel, d.Recipient, d.CustomerKey, d.EntryID, d.Survey, d.AddressHash, s.stamp()); err != nil {
			return fmt.Errorf("recording %s delivery %q to %s: %w", d.Channel, d.Key, d.Recipient, err)
		}
		if err := tx.GetContext(ctx, &got, `SELECT `+deliveryColumns+` FROM deliveries WHERE key = $1 FOR UPDATE`, d.Key); err != nil {
			return fmt.Errorf("reading delivery %q: %w", d.Key, err)
		}
		switch {
		case got.Status == DeliverySent, got.Status == DeliverySkipped:
			return nil
		case got.Status == DeliveryHeld && got.HoldUntil != nil && a.Now.Before(*got.HoldUntil):
			return nil
		case got.LeaseOwner != "" && got.LeaseOwner != a.Owner && got.LeaseUntil != nil && a.Now.Before(*got.LeaseUntil):
			return fmt.Errorf("delivery %q: %w until %s", d.Key, ErrLeased, got.LeaseUntil.UTC().Format(time.RFC3339))
		}
		p, err := policyIn(ctx, tx)
		if err != nil {
			return err
		}
		if a.Clock != nil {
			// Now, under the lock and before the facts: decisions on the
			// customer are stamped in the order they are made, and a
			// send before an opt-out it did not see.
			a.Now = a.Clock()
		}
		req, err := facts(ctx, tx, a, p)
		if err != nil {
			return err
		}
		if a.Clock != nil && req.OptedOut {
			// The opt-out the facts saw was made before they were read,
			// but maybe after the clock above (a process descheduled
			// between the two, on a busy machine): the skip is stamped
			// after the read. An opted-out address is skipped whatever
			// the time, so the decision is the same.
			a.Now = a.Clock()
			req.Now = a.Now
		}
		dec := decide(p, req)
		status, leaseOwner, attempts := string(dec.Outcome), "", 0
		var leaseUntil, holdUntil *time.Time
		switch dec.Outcome {
		case policy.Send:
			status, leaseOwner, attempts = DeliveryPending, a.Owner, 1
			until := a.Now.Add(a.LeaseFor)
			leaseUntil = &until
		case policy.Hold:
			holdUntil = &dec.Until
		}
		firstHold := status == DeliveryHeld && got.HeldAt == nil
		if err := tx.GetContext(ctx, &got, `
			UPDATE deliveries SET status = $2, decision = $3, reason_code = $4, reason = $5,
				hold_until = $6, decided_at = $7, lease_owner = $8, lease_until = $9,
				attempts = attempts + $10, updated_at = COALESCE($11, now()),
				held_at = CASE WHEN $2 = 'held' THEN COALESCE(held_at, $7) ELSE held_at END
			WHERE key = $1
			RETURNING `+deliveryColumns,
			d.Key, status, string(dec.Outcome), dec.Code, dec.Reason, holdUntil, a.Now, leaseOwner, leaseUntil, attempts,
			s.stamp()); err != nil {
			return err
		}
		// A skip is final (a skipped delivery comes back as recorded
		// above): it is counted and told once. A hold counts the first time.
		switch {
		case firstHold:
			return s.countDelivery(ctx, tx, got, "held", "")
		case status == DeliverySkipped:
			if err := s.countDelivery(ctx, tx, got, "skipped", dec.Code); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `SELECT `+messageStatusCall("'skipped'", "d.reason", "''", "d.updated_at")+`
				FROM deliveries d WHERE d.key = $1`, d.Key); err != nil {
				return fmt.Errorf("writing the message.status event of delivery %q: %w", d.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return Delivery{}, err
	}
	return got, nil
}

// facts completes a.Request with what the store knows of the recipient:
// the opt-out, a later interaction, the last survey, the day's sends on
// the channel and the sends within the longest rolling cap's window.
func facts(ctx context.Context, tx *sqlx.Tx, a SendAttempt, p policy.Policy) (policy.Request, error) {
	d, req := a.Delivery, a.Request
	req.Now, req.Channel, req.Survey = a.Now, d.Channel, d.Survey
	hashes := a.OptOutHashes
	if len(hashes) == 0 {
		hashes = []string{d.AddressHash}
	}
	if err := tx.GetContext(ctx, &req.OptedOut,
		`SELECT EXISTS (SELECT 1 FROM suppressions WHERE channel = $1 AND address_hash = ANY($2))`, d.Channel, anyHash(hashes)); err != nil {
		return req, fmt.Errorf("looking up opt-outs of %s: %w", d.Key, err)
	}
	if req.CancelOnNewInteraction && a.CustomerID != "" {
		var later []string
		if err := tx.SelectContext(ctx, &later, `
			SELECT interaction_id FROM customer_interactions
			WHERE customer_id = $1 AND interaction_id <> $2 AND received_at > COALESCE(
				(SELECT received_at FROM customer_interactions WHERE customer_id = $1 AND interaction_id = $2), $3)
			ORDER BY received_at LIMIT 1`, a.CustomerID, a.InteractionID, a.RunStartedAt); err != nil {
			return req, fmt.Errorf("looking up later interactions of customer %q: %w", a.CustomerID, err)
		}
		if len(later) > 0 {
			req.ContactedAgain = later[0]
		}
	}
	if grace, err := p.Grace(); d.Survey && err == nil && grace > 0 {
		var last []struct {
			At      time.Time `db:"decided_at"`
			EntryID string    `db:"entry_id"`
		}
		if err := tx.SelectContext(ctx, &last, `
			SELECT decided_at, entry_id FROM deliveries
			WHERE customer_key = $1 AND survey AND decision = 'send' AND status IN ('pending', 'sent') AND key <> $2
			ORDER BY decided_at DESC LIMIT 1`, d.CustomerKey, d.Key); err != nil {
			return req, fmt.Errorf("looking up the last survey of %q: %w", d.CustomerKey, err)
		}
		if len(last) > 0 {
			req.LastSurvey = &policy.Contact{At: last[0].At, EntryID: last[0].EntryID}
		}
	}
	if window := p.LongestCapWindow(); window > 0 {
		// Every channel's: a cap on "any" counts them all. Decided sends
		// count from their decision, as for the daily cap.
		var sends []struct {
			At      time.Time `db:"decided_at"`
			Channel string    `db:"channel"`
		}
		if err := tx.SelectContext(ctx, &sends, `
			SELECT decided_at, channel FROM deliveries
			WHERE customer_key = $1 AND decision = 'send' AND status IN ('pending', 'sent')
				AND decided_at > $2 AND key <> $3`,
			d.CustomerKey, a.Now.Add(-window), d.Key); err != nil {
			return req, fmt.Errorf("counting the sends of %q for the rolling caps: %w", d.CustomerKey, err)
		}
		for _, s := range sends {
			req.CapSends = append(req.CapSends, policy.Contact{At: s.At, Channel: s.Channel})
		}
	}
	if p.MaxPerDay[d.Channel] > 0 {
		if err := tx.SelectContext(ctx, &req.RecentSends, `
			SELECT decided_at FROM deliveries
			WHERE customer_key = $1 AND channel = $2 AND decision = 'send' AND status IN ('pending', 'sent')
				AND decided_at > $3 AND key <> $4`,
			d.CustomerKey, d.Channel, a.Now.Add(-26*time.Hour), d.Key); err != nil {
			return req, fmt.Errorf("counting the sends of %q: %w", d.CustomerKey, err)
		}
	}
	return req, nil
}

// DeliveryByProviderID finds the delivery a provider knows as id.
func (s *Store) DeliveryByProviderID(ctx context.Context, id string) (Delivery, error) {
	var got Delivery
	err := s.db.GetContext(ctx, &got, `SELECT `+deliveryColumns+` FROM deliveries WHERE provider_id = $1 AND provider_id <> ''`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("delivery with provider id %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("reading delivery with provider id %q: %w", id, err)
	}
	return got, nil
}

// countDelivery records, in tx, the fact of kind that d's change counts.
func (s *Store) countDelivery(ctx context.Context, tx *sqlx.Tx, d Delivery, kind, reason string) error {
	if !s.keepsResults() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, factsStatement(`
		SELECT $2::timestamptz, $3::text, 1, `+runDims("$4::text")+`, '', $5::text, NULL, NULL
		FROM (SELECT 1) one LEFT JOIN runs r ON r.workflow_id = $1`),
		d.WorkflowID, d.CreatedAt, kind, d.EntryID, reason); err != nil {
		return fmt.Errorf("counting delivery %q %s: %w", d.Key, kind, err)
	}
	return nil
}

// MarkDeliverySkipped records that a send the policy let through was
// skipped after all: the provider said the recipient opted out (Twilio's
// 21610). A delivery already sent stays sent. One skipped the first time
// counts as skipped and writes its message.status event ("skipped") in the
// same statement.
func (s *Store) MarkDeliverySkipped(ctx context.Context, key, code, reason string) (Delivery, error) {
	var got struct {
		Delivery
		Webhooks int `db:"webhooks"`
	}
	err := s.db.GetContext(ctx, &got, `
		WITH old AS (
			SELECT key, status FROM deliveries WHERE key = $1 AND status <> 'sent' FOR UPDATE
		), upd AS (
			UPDATE deliveries d SET status = 'skipped', decision = 'skipped', reason_code = $2, reason = $3,
				lease_owner = '', lease_until = NULL, updated_at = COALESCE($4, now())
			FROM old WHERE d.key = old.key
			RETURNING `+deliveryColumnsOf("d")+`, old.status AS old_status
		)`+s.factsCTE("counted", `
			SELECT upd.created_at, 'skipped', 1, `+runDims("upd.entry_id")+`, '', $2, NULL, NULL
			FROM upd LEFT JOIN runs r ON r.workflow_id = upd.workflow_id
			WHERE upd.old_status <> 'skipped'`)+`
		SELECT `+deliveryColumns+`,
			CASE WHEN d.old_status <> 'skipped' THEN `+messageStatusCall("'skipped'", "d.reason", "''", "d.updated_at")+` ELSE 0 END AS webhooks
		FROM upd d`, key, code, reason, s.stamp())
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("marking delivery %q skipped: no unsent delivery: %w", key, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("marking delivery %q skipped: %w", key, err)
	}
	return got.Delivery, nil
}
