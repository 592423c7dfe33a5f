package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/webhook"
)

// Webhooks: subscriptions, the outbox of events (written in the
// transaction of the fact each reports), their deliveries to each
// subscription and every attempt. Migration 00009 holds the tables and the
// two SQL functions that write an event.

// webhookChannel is the notification channel ccflow_webhook_enqueue wakes
// the dispatchers on when an event's transaction commits.
const webhookChannel = "ccflow_webhooks"

// WebhookSubscription is a subscription as the store keeps it: its secrets
// sealed (core/webhook.Sealer), never in clear.
type WebhookSubscription struct {
	ID              string         `db:"id"`
	URL             string         `db:"url"`
	Events          pq.StringArray `db:"events"`
	Description     string         `db:"description"`
	Secret          string         `db:"secret"`
	PreviousSecret  *string        `db:"previous_secret"`
	PreviousUntil   *time.Time     `db:"previous_until"`
	SecretRotatedAt *time.Time     `db:"secret_rotated_at"`
	DisabledAt      *time.Time     `db:"disabled_at"`
	DisabledReason  string         `db:"disabled_reason"`
	CreatedAt       time.Time      `db:"created_at"`
}

const webhookSubscriptionColumns = `id, url, events, description, secret, previous_secret, previous_until,
	secret_rotated_at, disabled_at, disabled_reason, created_at`

// CreateWebhookSubscription stores a new subscription, unless max exist
// already (ErrConflict).
func (s *Store) CreateWebhookSubscription(ctx context.Context, sub WebhookSubscription, max int) (WebhookSubscription, error) {
	var got WebhookSubscription
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// One writer at a time, so two creations cannot both pass max.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE webhook_subscriptions IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("locking the webhook subscriptions: %w", err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM webhook_subscriptions`); err != nil {
			return fmt.Errorf("counting the webhook subscriptions: %w", err)
		}
		if n >= max {
			return fmt.Errorf("there are %d webhook subscriptions, the most ccflow keeps; delete one first: %w", n, ErrConflict)
		}
		return tx.GetContext(ctx, &got, `
			INSERT INTO webhook_subscriptions (id, url, events, description, secret)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING `+webhookSubscriptionColumns,
			sub.ID, sub.URL, sub.Events, sub.Description, sub.Secret)
	})
	if err != nil {
		return WebhookSubscription{}, fmt.Errorf("creating webhook subscription %s: %w", sub.ID, err)
	}
	return got, nil
}

// WebhookSubscriptions lists the subscriptions, oldest first.
func (s *Store) WebhookSubscriptions(ctx context.Context) ([]WebhookSubscription, error) {
	list := []WebhookSubscription{}
	if err := s.db.SelectContext(ctx, &list, `SELECT `+webhookSubscriptionColumns+` FROM webhook_subscriptions ORDER BY created_at, id`); err != nil {
		return nil, fmt.Errorf("listing the webhook subscriptions: %w", err)
	}
	return list, nil
}

// WebhookSubscription reads one subscription; ErrNotFound when there is none.
func (s *Store) WebhookSubscription(ctx context.Context, id string) (WebhookSubscription, error) {
	var got WebhookSubscription
	err := s.db.GetContext(ctx, &got, `SELECT `+webhookSubscriptionColumns+` FROM webhook_subscriptions WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookSubscription{}, fmt.Errorf("webhook subscription %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return WebhookSubscription{}, fmt.Errorf("reading webhook subscription %q: %w", id, err)
	}
	return got, nil
}

// DeleteWebhookSubscription deletes a subscription with its deliveries,
// their attempts, and the events no other subscription is to receive.
// Delivery workflows still running find their delivery gone and stop.
func (s *Store) DeleteWebhookSubscription(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_subscriptions WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("deleting webhook subscription %q: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("webhook subscription %q: %w", id, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `
			WITH gone AS (DELETE FROM webhook_deliveries WHERE subscription_id = $1 RETURNING event_id)
			DELETE FROM webhook_events e WHERE e.id IN (SELECT event_id FROM gone)
				AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.subscription_id <> $1)`, id); err != nil {
			return fmt.Errorf("deleting the deliveries of webhook subscription %q: %w", id, err)
		}
		return nil
	})
}

// RotateWebhookSecret replaces a subscription's secret with sealed; the
// one it had (previous, sealed again by the caller if it must be) keeps
// signing until until. ErrNotFound when there is no such subscription.
func (s *Store) RotateWebhookSecret(ctx context.Context, id, sealed, previous string, until time.Time) (WebhookSubscription, error) {
	var got WebhookSubscription
	err := s.db.GetContext(ctx, &got, `
		UPDATE webhook_subscriptions SET secret = $2, previous_secret = $3, previous_until = $4, secret_rotated_at = now()
		WHERE id = $1
		RETURNING `+webhookSubscriptionColumns, id, sealed, previous, until)
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookSubscription{}, fmt.Errorf("webhook subscription %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return WebhookSubscription{}, fmt.Errorf("rotating the secret of webhook subscription %q: %w", id, err)
	}
	return got, nil
}

// ResealWebhookSecrets seals again, with reseal, every secret that keyID
// did not seal, so an old key can leave the server's keys. It returns how
// many secrets it sealed again. Concurrent calls are harmless: each row is
// rewritten only while it still holds what was read.
func (s *Store) ResealWebhookSecrets(ctx context.Context, keyID string, reseal func(subscriptionID, sealed string) (string, error)) (int, error) {
	list, err := s.WebhookSubscriptions(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sub := range list {
		secrets := map[string]*string{"secret": &sub.Secret, "previous_secret": sub.PreviousSecret}
		for column, sealed := range secrets {
			if sealed == nil || webhook.SealedKeyID(*sealed) == keyID {
				continue
			}
			again, err := reseal(sub.ID, *sealed)
			if err != nil {
				return n, err
			}
			// column is one of the two names above, never input.
			if _, err := s.db.ExecContext(ctx, `UPDATE webhook_subscriptions SET `+column+` = $3 WHERE id = $1 AND `+column+` = $2`,
				sub.ID, *sealed, again); err != nil {
				return n, fmt.Errorf("sealing the secret of webhook subscription %q again: %w", sub.ID, err)
			}
			n++
		}
	}
	return n, nil
}

// EnqueueWebhookEventTx writes ev into the outbox in tx, the transaction
// of the fact it reports, with a delivery for each enabled subscription
// that wants its type; nothing when none does. The dispatchers are woken
// when tx commits, and nothing is sent if it rolls back. It returns the
// number of deliveries. run.completed is written by the run-end record
// calling it; message.status by the SQL of the send records themselves.
func (s *Store) EnqueueWebhookEventTx(ctx context.Context, tx *sqlx.Tx, ev webhook.Event) (int, error) {
	return enqueueWebhookEvent(ctx, tx, ev)
}

// EnqueueWebhookEvent is EnqueueWebhookEventTx in a transaction of its own,
// for a fact recorded elsewhere (and for tests).
func (s *Store) EnqueueWebhookEvent(ctx context.Context, ev webhook.Event) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		n, err = enqueueWebhookEvent(ctx, tx, ev)
		return err
	})
	return n, err
}

func enqueueWebhookEvent(ctx context.Context, q sqlx.QueryerContext, ev webhook.Event) (int, error) {
	data, err := ev.JSON()
	if err != nil {
		return 0, err
	}
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT ccflow_webhook_enqueue($1, $2, $3, $4, $5, $6)`,
		ev.Type, ev.At, data, ev.WorkflowID, ev.CustomerID, ev.AddressHash); err != nil {
		return 0, fmt.Errorf("writing a %s event to the webhook outbox: %w", ev.Type, err)
	}
	return n, nil
}

// WebhookEvent is an event of the outbox.
type WebhookEvent struct {
	ID          string    `db:"id"`
	Type        string    `db:"type"`
	OccurredAt  time.Time `db:"occurred_at"`
	Data        []byte    `db:"data"`
	WorkflowID  string    `db:"workflow_id"`
	CustomerID  string    `db:"customer_id"`
	AddressHash string    `db:"address_hash"`
	CreatedAt   time.Time `db:"created_at"`
}

// WebhookEvents lists the events of the outbox of eventType (all when
// ""), oldest first, at most limit: for tests and tools that check what a
// fact wrote.
func (s *Store) WebhookEvents(ctx context.Context, eventType string, limit int) ([]WebhookEvent, error) {
	list := []WebhookEvent{}
	if err := s.db.SelectContext(ctx, &list, `
		SELECT id, type, occurred_at, data, workflow_id, customer_id, address_hash, created_at FROM webhook_events
		WHERE $1 = '' OR type = $1 ORDER BY created_at, id LIMIT $2`, eventType, limit); err != nil {
		return nil, fmt.Errorf("listing the webhook events: %w", err)
	}
	return list, nil
}

// Webhook delivery statuses.
const (
	WebhookPending   = "pending"
	WebhookRetrying  = "retrying"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
	WebhookStopped   = "stopped"
)

// ClaimWebhookDeliveries takes up to limit deliveries that no workflow
// runs yet and no other dispatcher holds, holding them for leaseFor, and
// returns their ids, oldest first. A dispatcher that dies before
// MarkWebhookDispatched leaves them to another once the lease ends.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, limit int, leaseFor time.Duration) ([]string, error) {
	ids := []string{}
	err := s.db.SelectContext(ctx, &ids, `
		UPDATE webhook_deliveries SET dispatch_lease_until = clock_timestamp() + $2 * interval '1 millisecond'
		WHERE id IN (
			SELECT id FROM webhook_deliveries
			WHERE dispatched_at IS NULL AND (dispatch_lease_until IS NULL OR dispatch_lease_until < clock_timestamp())
			ORDER BY created_at LIMIT $1
			FOR UPDATE SKIP LOCKED)
		RETURNING id`, limit, leaseFor.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claiming webhook deliveries to dispatch: %w", err)
	}
	return ids, nil
}

// MarkWebhookDispatched records that a workflow runs each delivery.
func (s *Store) MarkWebhookDispatched(ctx context.Context, ids []string) error {
	if _, err := s.db.ExecContext(ctx, `
		UPDATE webhook_deliveries SET dispatched_at = now(), dispatch_lease_until = NULL
		WHERE id = ANY($1) AND dispatched_at IS NULL`, pq.Array(ids)); err != nil {
		return fmt.Errorf("marking %d webhook deliveries dispatched: %w", len(ids), err)
	}
	return nil
}

// WebhookJob is what one attempt of a delivery needs: the delivery, its
// event and its subscription (Subscription nil when it was deleted).
type WebhookJob struct {
	DeliveryID     string     `db:"id"`
	Status         string     `db:"status"`
	FirstAttemptAt *time.Time `db:"first_attempt_at"`
	Event          WebhookEvent
	Subscription   *WebhookSubscription
}

// WebhookJob reads a delivery with its event and subscription;
// ErrNotFound when the delivery is gone (its subscription deleted, its
// customer's data erased).
func (s *Store) WebhookJob(ctx context.Context, deliveryID string) (WebhookJob, error) {
	var row struct {
		WebhookJob
		EventID    string    `db:"event_id"`
		Type       string    `db:"type"`
		OccurredAt time.Time `db:"occurred_at"`
		Data       []byte    `db:"data"`
		SubID      string    `db:"subscription_id"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT d.id, d.status, d.first_attempt_at, d.subscription_id, e.id AS event_id, e.type, e.occurred_at, e.data
		FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.id = $1`, deliveryID)
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookJob{}, fmt.Errorf("webhook delivery %q: %w", deliveryID, ErrNotFound)
	}
	if err != nil {
		return WebhookJob{}, fmt.Errorf("reading webhook delivery %q: %w", deliveryID, err)
	}
	job := row.WebhookJob
	job.Event = WebhookEvent{ID: row.EventID, Type: row.Type, OccurredAt: row.OccurredAt, Data: row.Data}
	sub, err := s.WebhookSubscription(ctx, row.SubID)
	switch {
	case err == nil:
		job.Subscription = &sub
	case !errors.Is(err, ErrNotFound):
		return WebhookJob{}, err
	}
	return job, nil
}

// WebhookAttempt is one attempt of a delivery, as it is recorded.
type WebhookAttempt struct {
	DeliveryID  string
	Attempt     int
	AttemptedAt time.Time
	Duration    time.Duration
	// StatusCode is the receiver's answer; 0 when there was none.
	StatusCode int
	// Verdict is what the answer means (core/webhook.Judge); Status the
	// delivery's status after it.
	Verdict webhook.Verdict
	Status  string
	Error   string
	// Response is the start of the receiver's answer, cut and escaped.
	Response string
	// NextAttemptAt is when the next attempt comes; nil when none will.
	NextAttemptAt *time.Time
	// DisableReason, when set, disables the subscription (a 410).
	DisableReason string
	// SubscriptionID is the subscription DisableReason disables.
	SubscriptionID string
}

// RecordWebhookAttempt records an attempt and what it made of its
// delivery, and disables the subscription when the attempt says so, in
// one transaction. Recording the same attempt again changes nothing. A
// delivery that is gone is ErrNotFound.
func (s *Store) RecordWebhookAttempt(ctx context.Context, a WebhookAttempt) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var status sql.NullInt64
		if a.StatusCode > 0 {
			status = sql.NullInt64{Int64: int64(a.StatusCode), Valid: true}
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE webhook_deliveries SET status = $2, attempts = GREATEST(attempts, $3), last_status_code = $4, last_error = $5,
				first_attempt_at = COALESCE(first_attempt_at, $6), last_attempt_at = $6, next_attempt_at = $7, updated_at = now()
			WHERE id = $1 AND status NOT IN ('delivered', 'stopped')`,
			a.DeliveryID, a.Status, a.Attempt, status, a.Error, a.AttemptedAt, a.NextAttemptAt)
		if err != nil {
			return fmt.Errorf("recording attempt %d of webhook delivery %q: %w", a.Attempt, a.DeliveryID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			var exists bool
			if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)`, a.DeliveryID); err != nil {
				return fmt.Errorf("reading webhook delivery %q: %w", a.DeliveryID, err)
			}
			if !exists {
				return fmt.Errorf("webhook delivery %q: %w", a.DeliveryID, ErrNotFound)
			}
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, outcome, error, response, next_attempt_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (delivery_id, attempt) DO NOTHING`,
			a.DeliveryID, a.Attempt, a.AttemptedAt, a.Duration.Milliseconds(), status, string(a.Verdict), a.Error, a.Response, a.NextAttemptAt); err != nil {
			return fmt.Errorf("recording attempt %d of webhook delivery %q: %w", a.Attempt, a.DeliveryID, err)
		}
		if a.DisableReason != "" {
			if _, err := tx.ExecContext(ctx, `
				UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = $2 WHERE id = $1 AND disabled_at IS NULL`,
				a.SubscriptionID, a.DisableReason); err != nil {
				return fmt.Errorf("disabling webhook subscription %q: %w", a.SubscriptionID, err)
			}
		}
		return nil
	})
}

// FinishWebhookDelivery records how a delivery ended without an attempt
// saying so: failed when its retries ran out, stopped when its
// subscription was disabled or deleted. A delivered one stays delivered.
func (s *Store) FinishWebhookDelivery(ctx context.Context, id, status, reason string) error {
	if _, err := s.db.ExecContext(ctx, `
		UPDATE webhook_deliveries SET status = $2, last_error = CASE WHEN $3 = '' THEN last_error ELSE $3 END,
			next_attempt_at = NULL, updated_at = now()
		WHERE id = $1 AND status <> 'delivered'`, id, status, reason); err != nil {
		return fmt.Errorf("recording that webhook delivery %q %s: %w", id, status, err)
	}
	return nil
}

// WebhookDelivery is a delivery as its subscription's list shows it, with
// its latest attempts, newest first.
type WebhookDelivery struct {
	ID             string     `db:"id"`
	EventID        string     `db:"event_id"`
	Type           string     `db:"type"`
	Status         string     `db:"status"`
	Attempts       int        `db:"attempts"`
	LastStatusCode *int       `db:"last_status_code"`
	LastError      string     `db:"last_error"`
	NextAttemptAt  *time.Time `db:"next_attempt_at"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	AttemptLog     []WebhookAttemptRecord
}

// WebhookAttemptRecord is one recorded attempt.
type WebhookAttemptRecord struct {
	DeliveryID    string     `db:"delivery_id"`
	Attempt       int        `db:"attempt"`
	AttemptedAt   time.Time  `db:"attempted_at"`
	DurationMS    int64      `db:"duration_ms"`
	StatusCode    *int       `db:"status_code"`
	Outcome       string     `db:"outcome"`
	Error         string     `db:"error"`
	Response      string     `db:"response"`
	NextAttemptAt *time.Time `db:"next_attempt_at"`
}

// WebhookDeliveries lists a subscription's latest deliveries, newest
// first, at most limit, each with its latest attempts (at most
// attemptsEach). ErrNotFound when there is no such subscription.
func (s *Store) WebhookDeliveries(ctx context.Context, subscriptionID string, limit, attemptsEach int) ([]WebhookDelivery, error) {
	if _, err := s.WebhookSubscription(ctx, subscriptionID); err != nil {
		return nil, err
	}
	list := []WebhookDelivery{}
	if err := s.db.SelectContext(ctx, &list, `
		SELECT d.id, d.event_id, e.type, d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at,
			d.created_at, d.updated_at
		FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.subscription_id = $1
		ORDER BY d.created_at DESC, d.id LIMIT $2`, subscriptionID, limit); err != nil {
		return nil, fmt.Errorf("listing the deliveries of webhook subscription %q: %w", subscriptionID, err)
	}
	if len(list) == 0 {
		return list, nil
	}
	ids := make([]string, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	var attempts []WebhookAttemptRecord
	if err := s.db.SelectContext(ctx, &attempts, `
		SELECT delivery_id, attempt, attempted_at, duration_ms, status_code, outcome, error, response, next_attempt_at
		FROM (SELECT *, row_number() OVER (PARTITION BY delivery_id ORDER BY attempt DESC) AS n
			FROM webhook_attempts WHERE delivery_id = ANY($1)) a
		WHERE n <= $2 ORDER BY delivery_id, attempt DESC`, pq.Array(ids), attemptsEach); err != nil {
		return nil, fmt.Errorf("listing the attempts of webhook subscription %q: %w", subscriptionID, err)
	}
	byID := map[string][]WebhookAttemptRecord{}
	for _, a := range attempts {
		byID[a.DeliveryID] = append(byID[a.DeliveryID], a)
	}
	for i := range list {
		list[i].AttemptLog = byID[list[i].ID]
		if list[i].AttemptLog == nil {
			list[i].AttemptLog = []WebhookAttemptRecord{}
		}
	}
	return list, nil
}

// WatchWebhooks calls wake whenever an event's transaction commits, until
// ctx ends; wake is also called when the listener (re)connects, as
// notifications may have been missed. It listens on a connection of its
// own, outside the pool, which lib/pq reconnects when it drops.
func (s *Store) WatchWebhooks(ctx context.Context, wake func(), problem func(error)) error {
	l := pq.NewListener(s.url, 100*time.Millisecond, 5*time.Second, func(_ pq.ListenerEventType, err error) {
		if err != nil && problem != nil {
			problem(fmt.Errorf("listening for webhook events: %w", err))
		}
	})
	defer l.Close()
	listening := make(chan error, 1)
	go func() { listening <- l.Listen(webhookChannel) }()
	select {
	case <-ctx.Done():
		l.Close()
		<-listening //nolint:errcheck // Listen ends with the close; its error says only that
		return nil
	case err := <-listening:
		if err != nil {
			return fmt.Errorf("listening for webhook events: %w", err)
		}
	}
	wake()
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.Notify:
			wake()
		case <-ping.C:
			go l.Ping() //nolint:errcheck // a failed ping makes the listener reconnect
		}
	}
}
