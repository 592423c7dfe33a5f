package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// lockMessage takes a transaction-scoped lock on the provider's message
// providerID, which recording its delivery and recording its status take
// in turn.
func lockMessage(ctx context.Context, tx *sqlx.Tx, providerID string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "ccflow-message:"+providerID); err != nil {
		return fmt.Errorf("locking message %q: %w", providerID, err)
	}
	return nil
}

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	// DeliveryHeld waits for HoldUntil (quiet hours), then is decided again.
	DeliveryHeld = "held"
	// DeliverySkipped was never sent, as the contact policy decided.
	DeliverySkipped = "skipped"
)

// Delivery is the record of one message send, kept under its idempotency key
// so that a retried activity can tell whether the provider already took it.
type Delivery struct {
	Key        string     `db:"key"`
	WorkflowID string     `db:"workflow_id"`
	StepID     string     `db:"step_id"`
	Channel    string     `db:"channel"`
	Recipient  string     `db:"recipient"`
	Status     string     `db:"status"`
	ProviderID string     `db:"provider_id"`
	Attempts   int        `db:"attempts"`
	LastError  string     `db:"last_error"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
	SentAt     *time.Time `db:"sent_at"`

	// What the contact policy needs and decided (see DecideSend).
	CustomerKey string     `db:"customer_key"`
	EntryID     string     `db:"entry_id"`
	Survey      bool       `db:"survey"`
	AddressHash string     `db:"address_hash"`
	Decision    string     `db:"decision"`
	ReasonCode  string     `db:"reason_code"`
	Reason      string     `db:"reason"`
	HoldUntil   *time.Time `db:"hold_until"`
	DecidedAt   *time.Time `db:"decided_at"`
	LeaseOwner  string     `db:"lease_owner"`
	LeaseUntil  *time.Time `db:"lease_until"`

	// ReportedStatus and ReportedErrorCode are the delivery status the
	// provider had reported when MarkDelivered recorded the send (its
	// callback can come first); other reads leave them empty.
	ReportedStatus    string `db:"reported_status"`
	ReportedErrorCode string `db:"reported_error_code"`
}

const deliveryColumns = `key, workflow_id, step_id, channel, recipient, status, provider_id,
	attempts, last_error, created_at, updated_at, sent_at,
	customer_key, entry_id, survey, address_hash, decision, reason_code, reason,
	hold_until, decided_at, lease_owner, lease_until`

// BeginDelivery records that a send is about to be attempted. The first call
// for a key inserts a pending row; a later one for a row not yet sent counts
// another attempt and makes it pending again. A row already sent is returned
// untouched: its caller must not send again.
func (s *Store) BeginDelivery(ctx context.Context, d Delivery) (Delivery, error) {
	var got Delivery
	err := s.db.GetContext(ctx, &got, `
		INSERT INTO deliveries (key, workflow_id, step_id, channel, recipient, status)
		VALUES ($1, $2, $3, $4, $5, 'pending')
		ON CONFLICT (key) DO UPDATE SET
			attempts   = deliveries.attempts + 1,
			status     = 'pending',
			updated_at = now()
		WHERE deliveries.status <> 'sent'
		RETURNING `+deliveryColumns,
		d.Key, d.WorkflowID, d.StepID, d.Channel, d.Recipient)
	if errors.Is(err, sql.ErrNoRows) {
		// The conflict's WHERE held the row back: it was already sent.
		return s.delivery(ctx, d.Key)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("recording %s delivery %q to %s: %w", d.Channel, d.Key, d.Recipient, err)
	}
	return got, nil
}

// MarkDelivered records that the provider accepted the message under
// providerID, writes its message.status event ("sent"), and returns with
// it the delivery status the provider has reported already, if any
// (ReportedStatus). It takes the message's lock (lockMessage), as
// recording a status does: either the status is recorded first and read
// here, or the delivery is, and the status's caller finds it; a status can
// never slip between the two unseen. This write closes the window in which
// a crash sends a message twice (docs/guarantees.md measures it).
//
// A delivery recorded as sent already keeps its first record (sent_at,
// provider id) and tells no one again: a second record is the retry of the
// first write, or a copy sent again through the gap deliverOnce documents,
// and the first says when the message was first known to be sent.
func (s *Store) MarkDelivered(ctx context.Context, key, providerID string) (Delivery, error) {
	var got struct {
		Delivery
		Webhooks int `db:"webhooks"`
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockMessage(ctx, tx, providerID); err != nil {
			return err
		}
		return tx.GetContext(ctx, &got, `
		WITH d AS (
			UPDATE deliveries
			SET status = 'sent',
				provider_id = CASE WHEN deliveries.status = 'sent' THEN deliveries.provider_id ELSE $2 END,
				sent_at = CASE WHEN deliveries.status = 'sent' AND deliveries.sent_at IS NOT NULL THEN deliveries.sent_at ELSE now() END,
				last_error = '', updated_at = now(), lease_owner = '', lease_until = NULL
			FROM (SELECT key AS was_key, status AS was_status FROM deliveries WHERE key = $1) was
			WHERE key = $1 AND was_key = key
			RETURNING `+deliveryColumns+`, was.was_status)
		SELECT `+deliveryColumns+`,
			CASE WHEN d.was_status = 'sent' THEN 0 ELSE `+messageStatusCall("'sent'", "''", "''", "d.sent_at")+` END AS webhooks,
			COALESCE((SELECT status FROM sms_statuses WHERE provider_id = d.provider_id AND d.provider_id <> ''), '') AS reported_status,
			COALESCE((SELECT error_code FROM sms_statuses WHERE provider_id = d.provider_id AND d.provider_id <> ''), '') AS reported_error_code
		FROM d`,
			key, providerID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("marking delivery %q sent: %w", key, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("marking delivery %q sent: %w", key, err)
	}
	return got.Delivery, nil
}

// messageStatusCall is the SQL that writes a message.status event of the
// delivery row d with status, reason, error code and time (SQL
// expressions), by migration 00009's function.
func messageStatusCall(status, reason, errorCode, at string) string {
	return `ccflow_webhook_message_status(d.key, d.workflow_id, d.step_id, d.channel, d.entry_id, d.provider_id, ` +
		status + `, 'ccflow', ` + reason + `, ` + errorCode + `, ` + at + `)`
}

// MarkDeliveryFailed records why an attempt failed. A permanent failure marks
// the delivery failed and writes its message.status event; a transient one
// keeps it pending for the next attempt.
// A delivery already sent is never marked failed.
func (s *Store) MarkDeliveryFailed(ctx context.Context, key, message string, permanent bool) error {
	var n int
	err := s.db.QueryRowxContext(ctx, `
		WITH d AS (
			UPDATE deliveries
			SET last_error = $2,
				status = CASE WHEN $3 THEN 'failed' ELSE status END,
				updated_at = now(), lease_owner = '', lease_until = NULL
			WHERE key = $1 AND status <> 'sent'
			RETURNING `+deliveryColumns+`),
		told AS (SELECT `+messageStatusCall("'failed'", "d.last_error", "''", "d.updated_at")+` FROM d WHERE $3)
		SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM told)`,
		key, message, permanent).Scan(&n, new(int))
	if err != nil {
		return fmt.Errorf("marking delivery %q failed: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("marking delivery %q failed: no unsent delivery: %w", key, ErrNotFound)
	}
	return nil
}

// Deliveries lists a workflow's deliveries, oldest first.
func (s *Store) Deliveries(ctx context.Context, workflowID string) ([]Delivery, error) {
	list := []Delivery{}
	err := s.db.SelectContext(ctx, &list, `
		SELECT `+deliveryColumns+` FROM deliveries
		WHERE workflow_id = $1
		ORDER BY created_at, key`,
		workflowID)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries of workflow %q: %w", workflowID, err)
	}
	return list, nil
}

func (s *Store) delivery(ctx context.Context, key string) (Delivery, error) {
	var got Delivery
	err := s.db.GetContext(ctx, &got, `SELECT `+deliveryColumns+` FROM deliveries WHERE key = $1`, key)
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("reading delivery %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("reading delivery %q: %w", key, err)
	}
	return got, nil
}
