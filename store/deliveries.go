package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

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
	// HeldAt is when the message was first held, if it ever was.
	HeldAt *time.Time `db:"held_at"`
}

const deliveryColumns = `key, workflow_id, step_id, channel, recipient, status, provider_id,
	attempts, last_error, created_at, updated_at, sent_at,
	customer_key, entry_id, survey, address_hash, decision, reason_code, reason,
	hold_until, decided_at, lease_owner, lease_until, held_at`

// deliveryColumnsOf is deliveryColumns of the table or row named t.
func deliveryColumnsOf(t string) string {
	cols := strings.Split(deliveryColumns, ",")
	for i, c := range cols {
		cols[i] = t + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

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
// providerID, in one statement with what the change counts the first time
// (the message sent; for a survey's link the survey sent, its sending
// time, and its minutes to answer when it was answered already; for an
// SMS whose delivery report came first, that report): recording it again
// counts nothing.
func (s *Store) MarkDelivered(ctx context.Context, key, providerID string) (Delivery, error) {
	var got Delivery
	stmt, err := s.prepared(ctx, &s.markDelivered, s.markDeliveredSQL()) //nolint:sqlclosecheck // the store keeps it; Close closes it
	if err != nil {
		return Delivery{}, fmt.Errorf("marking delivery %q sent: %w", key, err)
	}
	err = stmt.GetContext(ctx, &got, key, providerID, s.stamp())
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("marking delivery %q sent: %w", key, ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("marking delivery %q sent: %w", key, err)
	}
	return got, nil
}

// markDeliveredSQL is MarkDelivered's statement. The old row is locked
// first, so its status says whether this call sends it. An SMS meets its
// delivery report on the report's row (RecordSMSStatus): the send marks
// it, and counts the report's class when the report came first. A survey
// meets its answer on the survey's row: the update here waits for an
// answer being stored and then sees its time.
func (s *Store) markDeliveredSQL() string {
	delivered := "NULL::timestamptz"
	if s.keepsResults() {
		delivered = "CASE WHEN (SELECT counted FROM report) = 'delivered' THEN (SELECT updated_at FROM report) END"
	}
	return `WITH old AS (
		SELECT key, status FROM deliveries WHERE key = $1 FOR UPDATE
	), upd AS (
		UPDATE deliveries d
		SET status = 'sent', provider_id = $2, last_error = '', sent_at = COALESCE($3, now()), updated_at = COALESCE($3, now()),
			lease_owner = '', lease_until = NULL
		FROM old WHERE d.key = old.key
		RETURNING ` + deliveryColumnsOf("d") + `, old.status AS old_status
	), sent AS (
		SELECT upd.key, upd.created_at, upd.channel, upd.provider_id, upd.survey, upd.sent_at,
			COALESCE(r.entry_id, upd.entry_id) AS entry_id, COALESCE(r.service, '') AS service,
			COALESCE(r.agent_id, '') AS agent_id, COALESCE(r.disposition, '') AS disposition,
			COALESCE(r.channel, '') AS run_channel, COALESCE(r.variant, '') AS variant
		FROM upd LEFT JOIN runs r ON r.workflow_id = upd.workflow_id
		WHERE upd.old_status <> 'sent'
	)` + s.withFacts(`, report AS (
		INSERT INTO sms_statuses (provider_id, status, counted, updated_at)
		SELECT provider_id, '', '', COALESCE($3, now()) FROM sent WHERE channel = 'sms' AND provider_id <> ''
		ON CONFLICT (provider_id) DO UPDATE SET counted = `+smsClass("sms_statuses.status")+`
		RETURNING counted, updated_at
	)`) + `, survey AS (
		UPDATE surveys sv SET sent_at = sent.sent_at, delivered_at = ` + delivered + `
		FROM sent WHERE sv.id = sent.key AND sent.survey AND sv.sent_at IS NULL
		RETURNING sv.created_at, sv.scale, sv.sent_at, sv.answered_at
	)` + s.factsCTE("counted", `
		SELECT sent.created_at, 'sent', 1, entry_id, service, agent_id, disposition, run_channel, variant, '', '', NULL::smallint, NULL::integer FROM sent
		UNION ALL
		SELECT sent.created_at, report.counted, 1, entry_id, service, agent_id, disposition, run_channel, variant, '', '', NULL::smallint, NULL::integer
		FROM sent, report WHERE report.counted <> ''
		UNION ALL
		SELECT survey.created_at, 'survey_sent', 1, entry_id, service, agent_id, disposition, run_channel, variant, survey.scale, '', NULL::smallint, NULL::integer
		FROM sent, survey
		UNION ALL
		SELECT survey.created_at, 'minutes', 1, entry_id, service, agent_id, disposition, run_channel, variant, survey.scale, '', NULL::smallint,
			`+minutesBetween("survey.sent_at", "survey.answered_at")+`
		FROM sent, survey WHERE survey.answered_at IS NOT NULL`) + `
	SELECT ` + deliveryColumns + ` FROM upd`
}

// MarkDeliveryFailed records why an attempt failed. A permanent failure marks
// the delivery failed (and counts it failed, the first time); a transient
// one keeps it pending for the next attempt. A delivery already sent is
// never marked failed.
func (s *Store) MarkDeliveryFailed(ctx context.Context, key, message string, permanent bool) error {
	var n int
	err := s.db.GetContext(ctx, &n, `
		WITH old AS (
			SELECT key, status FROM deliveries WHERE key = $1 AND status <> 'sent' FOR UPDATE
		), upd AS (
			UPDATE deliveries d
			SET last_error = $2,
				status = CASE WHEN $3 THEN 'failed' ELSE d.status END,
				updated_at = COALESCE($4, now()), lease_owner = '', lease_until = NULL
			FROM old WHERE d.key = old.key
			RETURNING d.key, d.workflow_id, d.entry_id, d.created_at, d.status, old.status AS old_status
		)`+s.factsCTE("counted", `
			SELECT upd.created_at, 'failed', 1, `+runDims("upd.entry_id")+`, '', '', NULL, NULL
			FROM upd LEFT JOIN runs r ON r.workflow_id = upd.workflow_id
			WHERE upd.status = 'failed' AND upd.old_status <> 'failed'`)+`
		SELECT count(*) FROM upd`,
		key, message, permanent, s.stamp())
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
