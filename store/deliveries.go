package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// lockMessage takes a transaction-scoped lock on the provider's message
// providerID, which recording its delivery and recording its status take
// in turn. The statement is prepared once: unprepared, a statement with a
// parameter costs lib/pq two round trips (parse, then bind and run), and
// every send and every status report takes the lock.
func (s *Store) lockMessage(ctx context.Context, tx *sqlx.Tx, providerID string) error {
	stmt, err := s.prepared(ctx, &s.lockMessageStmt, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`) //nolint:sqlclosecheck // the store keeps it; Close closes it
	if err == nil {
		_, err = tx.StmtxContext(ctx, stmt).ExecContext(ctx, "ccflow-message:"+providerID) //nolint:sqlclosecheck // closed with the transaction
	}
	if err != nil {
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
	// HeldAt is when the message was first held, if it ever was.
	HeldAt *time.Time `db:"held_at"`

	// ReportedStatus and ReportedErrorCode are the delivery status the
	// provider had reported when MarkDelivered recorded the send (its
	// callback can come first); other reads leave them empty.
	ReportedStatus    string `db:"reported_status"`
	ReportedErrorCode string `db:"reported_error_code"`
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
// providerID, writes its message.status event ("sent"), and returns with
// it the delivery status the provider has reported already, if any
// (ReportedStatus), in one statement with what the change counts the first
// time (the message sent; for a survey's link the survey sent, its sending
// time, and its minutes to answer when it was answered already; for an SMS
// whose delivery report came first, that report). It takes the message's
// lock (lockMessage), as recording a status does: either the status is
// recorded first and read here, or the delivery is, and the status's
// caller finds it; a status can never slip between the two unseen. This
// write closes the window in which a crash sends a message twice
// (docs/guarantees.md measures it).
//
// A delivery recorded as sent already keeps its first record (sent_at,
// provider id), tells no one again and counts nothing: a second record is
// the retry of the first write, or a copy sent again through the gap
// deliverOnce documents, and the first says when the message was first
// known to be sent.
func (s *Store) MarkDelivered(ctx context.Context, key, providerID string) (Delivery, error) {
	var got struct {
		Delivery
		Webhooks int `db:"webhooks"`
	}
	stmt, err := s.prepared(ctx, &s.markDelivered, s.markDeliveredSQL()) //nolint:sqlclosecheck // the store keeps it; Close closes it
	if err != nil {
		return Delivery{}, fmt.Errorf("marking delivery %q sent: %w", key, err)
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockMessage(ctx, tx, providerID); err != nil {
			return err
		}
		return tx.StmtxContext(ctx, stmt).GetContext(ctx, &got, key, providerID, s.stamp()) //nolint:sqlclosecheck // closed with the transaction
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
		SET status = 'sent',
			provider_id = CASE WHEN old.status = 'sent' THEN d.provider_id ELSE $2 END,
			sent_at = CASE WHEN old.status = 'sent' AND d.sent_at IS NOT NULL THEN d.sent_at ELSE COALESCE($3, now()) END,
			last_error = '', updated_at = COALESCE($3, now()), lease_owner = '', lease_until = NULL
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
	SELECT ` + deliveryColumns + `,
		CASE WHEN d.old_status = 'sent' THEN 0 ELSE ` + messageStatusCall("'sent'", "''", "''", "d.sent_at") + ` END AS webhooks,
		COALESCE((SELECT status FROM sms_statuses WHERE provider_id = d.provider_id AND d.provider_id <> ''), '') AS reported_status,
		COALESCE((SELECT error_code FROM sms_statuses WHERE provider_id = d.provider_id AND d.provider_id <> ''), '') AS reported_error_code
	FROM upd d`
}

// MarkDeliveryFailed records why an attempt failed. A permanent failure marks
// the delivery failed and, the first time, counts it failed and writes its
// message.status event; a transient one keeps it pending for the next
// attempt. A delivery already sent is
// never marked failed.
func (s *Store) MarkDeliveryFailed(ctx context.Context, key, message string, permanent bool) error {
	var n int
	err := s.db.QueryRowxContext(ctx, `
		WITH old AS (
			SELECT key, status FROM deliveries WHERE key = $1 AND status <> 'sent' FOR UPDATE
		), upd AS (
			UPDATE deliveries d
			SET last_error = $2,
				status = CASE WHEN $3 THEN 'failed' ELSE d.status END,
				updated_at = COALESCE($4, now()), lease_owner = '', lease_until = NULL
			FROM old WHERE d.key = old.key
			RETURNING `+deliveryColumnsOf("d")+`, old.status AS old_status
		)`+s.factsCTE("counted", `
			SELECT upd.created_at, 'failed', 1, `+runDims("upd.entry_id")+`, '', '', NULL, NULL
			FROM upd LEFT JOIN runs r ON r.workflow_id = upd.workflow_id
			WHERE upd.status = 'failed' AND upd.old_status <> 'failed'`)+`,
		told AS (SELECT `+messageStatusCall("'failed'", "d.last_error", "''", "d.updated_at")+` FROM upd d
			WHERE d.status = 'failed' AND d.old_status <> 'failed')
		SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM told)`,
		key, message, permanent, s.stamp()).Scan(&n, new(int))
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
