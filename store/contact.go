package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/webhook"
)

// Suppression is one opt-out: a channel and an address, kept as its keyed
// hash (policy.AddressHasher), and in clear until the customer's data is
// erased.
type Suppression struct {
	Channel     string    `db:"channel"`
	AddressHash string    `db:"address_hash"`
	Address     *string   `db:"address"`
	Reason      string    `db:"reason"`
	Source      string    `db:"source"`
	CreatedAt   time.Time `db:"created_at"`
}

// Where opt-outs come from.
const (
	SourceAPI         = "api"
	SourceSMSKeyword  = "sms_keyword"
	SourceTwilio21610 = "twilio_21610"
	SourceUnsubscribe = "unsubscribe_link"
	SourceConsole     = "console"
)

// AddSuppression records an opt-out; one that exists already keeps its
// first record, and the address is filled in if it was unknown. It reports
// whether the opt-out is new. A new one writes its optout.created event in
// the same transaction, whatever the path that made it.
func (s *Store) AddSuppression(ctx context.Context, sup Suppression) (got Suppression, inserted bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		got, inserted, err = addSuppression(ctx, tx, sup)
		return err
	})
	return got, inserted, err
}

// addSuppression is AddSuppression inside the caller's transaction tx,
// where the opt-out and its optout.created event are written together.
func addSuppression(ctx context.Context, tx *sqlx.Tx, sup Suppression) (Suppression, bool, error) {
	var got struct {
		Suppression
		Inserted bool `db:"inserted"`
	}
	err := tx.GetContext(ctx, &got, `
		INSERT INTO suppressions (channel, address_hash, address, reason, source)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (channel, address_hash) DO UPDATE SET address = COALESCE(suppressions.address, EXCLUDED.address)
		RETURNING channel, address_hash, address, reason, source, created_at, (xmax = 0) AS inserted`,
		sup.Channel, sup.AddressHash, sup.Address, sup.Reason, sup.Source)
	if err == nil && got.Inserted {
		_, err = enqueueWebhookEvent(ctx, tx, optOutCreated(got.Suppression))
	}
	if err != nil {
		return Suppression{}, false, fmt.Errorf("recording the %s opt-out %s: %w", sup.Channel, sup.AddressHash, err)
	}
	return got.Suppression, got.Inserted, nil
}

// RemoveSuppression deletes the opt-outs of an address on channel, kept
// under any of hashes (the address's policy.AddressHasher.Forms: with an
// older key, or the legacy form); ErrNotFound when there is none.
func (s *Store) RemoveSuppression(ctx context.Context, channel string, hashes []string) error {
	return removeSuppression(ctx, s.db, channel, hashes)
}

func removeSuppression(ctx context.Context, q sqlx.ExecerContext, channel string, hashes []string) error {
	res, err := q.ExecContext(ctx, `DELETE FROM suppressions WHERE channel = $1 AND address_hash = ANY($2)`, channel, anyHash(hashes))
	if err != nil {
		return fmt.Errorf("removing the %s opt-out %s: %w", channel, first(hashes), err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%s opt-out: %w", channel, ErrNotFound)
	}
	return nil
}

// Suppressions lists opt-outs, newest first, of channel when not "" and of
// the address kept under any of hashes when there are some (the address's
// Forms), at most limit of them.
func (s *Store) Suppressions(ctx context.Context, channel string, hashes []string, limit int) ([]Suppression, error) {
	list := []Suppression{}
	err := s.db.SelectContext(ctx, &list, `
		SELECT channel, address_hash, address, reason, source, created_at FROM suppressions
		WHERE ($1 = '' OR channel = $1) AND (coalesce(cardinality($2::text[]), 0) = 0 OR address_hash = ANY($2))
		ORDER BY created_at DESC, channel, address_hash LIMIT $3`, channel, anyHash(hashes), limit)
	if err != nil {
		return nil, fmt.Errorf("listing opt-outs: %w", err)
	}
	return list, nil
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// Policy returns the contact policy document, or policy.Default() when
// none was saved.
func (s *Store) Policy(ctx context.Context) (policy.Policy, error) {
	return policyIn(ctx, s.db)
}

func policyIn(ctx context.Context, q sqlx.QueryerContext) (policy.Policy, error) {
	var row struct {
		Body      []byte    `db:"body"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	err := sqlx.GetContext(ctx, q, &row, `SELECT body, updated_at FROM contact_policy`)
	if errors.Is(err, sql.ErrNoRows) {
		return policy.Default(), nil
	}
	if err != nil {
		return policy.Policy{}, fmt.Errorf("reading the contact policy: %w", err)
	}
	p := policy.Default()
	if err := json.Unmarshal(row.Body, &p); err != nil {
		return policy.Policy{}, fmt.Errorf("decoding the stored contact policy: %w", err)
	}
	p.Normalize()
	p.UpdatedAt = row.UpdatedAt
	return p, nil
}

// SavePolicy replaces the contact policy document and returns it as
// stored, with its new UpdatedAt.
func (s *Store) SavePolicy(ctx context.Context, p policy.Policy) (policy.Policy, error) {
	p.UpdatedAt = time.Time{}
	body, err := json.Marshal(p)
	if err != nil {
		return policy.Policy{}, fmt.Errorf("encoding the contact policy: %w", err)
	}
	if err := s.db.GetContext(ctx, &p.UpdatedAt, `
		INSERT INTO contact_policy (id, body, updated_at) VALUES (true, $1, clock_timestamp())
		ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at
		RETURNING updated_at`, body); err != nil {
		return policy.Policy{}, fmt.Errorf("saving the contact policy: %w", err)
	}
	return p, nil
}

// RecordCustomerInteraction notes that the customer's interaction ended,
// as received now; recording it again keeps the first time.
func (s *Store) RecordCustomerInteraction(ctx context.Context, customerID, interactionID string) error {
	if _, err := s.db.ExecContext(ctx, `
		INSERT INTO customer_interactions (customer_id, interaction_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, customerID, interactionID); err != nil {
		return fmt.Errorf("recording interaction %s of customer %s: %w", interactionID, customerID, err)
	}
	return nil
}

// NewCustomerInteraction records the customer's interaction as
// RecordCustomerInteraction does and lists the runs it ends, in one
// statement (ingest runs it for every event naming a customer): the
// customer's runs of entries with cancel_on_new_interaction, of another
// interaction, not yet stopped by one. Closed runs are among them, and
// claims whose start is not confirmed yet (RunID empty); signalling a
// closed run fails harmlessly.
func (s *Store) NewCustomerInteraction(ctx context.Context, customerID, interactionID string) ([]Run, error) {
	list := []Run{}
	stmt, err := s.prepared(ctx, &s.newCustomerInteraction, newCustomerInteractionSQL) //nolint:sqlclosecheck // the store keeps it; Close closes it
	if err == nil {
		err = stmt.SelectContext(ctx, &list, customerID, interactionID)
	}
	if err != nil {
		return nil, fmt.Errorf("recording interaction %s of customer %s and listing the runs it stops: %w", interactionID, customerID, err)
	}
	return list, nil
}

// newCustomerInteractionSQL is NewCustomerInteraction's statement,
// prepared once (an unprepared statement with parameters costs lib/pq a
// round trip more).
const newCustomerInteractionSQL = `
	WITH recorded AS (
		INSERT INTO customer_interactions (customer_id, interaction_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING
	)
	SELECT workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at
	FROM runs
	WHERE customer_id = $1 AND cancel_on_new_interaction AND superseded_by IS NULL AND interaction_id <> $2
	ORDER BY started_at, workflow_id`

// MarkRunStopped records that interactionID stopped the run, so later
// interactions do not signal it again.
func (s *Store) MarkRunStopped(ctx context.Context, workflowID, interactionID string) error {
	if _, err := s.db.ExecContext(ctx,
		`UPDATE runs SET superseded_by = $2 WHERE workflow_id = $1 AND superseded_by IS NULL`, workflowID, interactionID); err != nil {
		return fmt.Errorf("marking run %s stopped by %s: %w", workflowID, interactionID, err)
	}
	return nil
}

// SMS delivery statuses as Twilio reports them, in the order they come;
// a later report never replaces a status further along.
var smsStatusRank = map[string]int{
	"accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
	"delivered": 5, "undelivered": 5, "failed": 5, "read": 6, "canceled": 5,
}

// RecordSMSStatus records a status callback for the message providerID.
// It reports false for a status it does not know. A status that changes
// what is recorded writes a message.status event in the same transaction.
// The report's class (delivered, or failed: undelivered or failed) is
// counted once per message, in the same transaction: a repeated report
// counts nothing, and a report that changes the class takes the earlier
// count back. It takes the message's lock, as MarkDelivered does, so that
// a caller who looks the delivery up after it (DeliveryByProviderID) finds
// it, or MarkDelivered reads the status and counts the report that came
// before the send.
func (s *Store) RecordSMSStatus(ctx context.Context, providerID, status, errorCode string) (bool, error) {
	rank, ok := smsStatusRank[status]
	if !ok {
		return false, nil
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockMessage(ctx, tx, providerID); err != nil {
			return err
		}
		var row struct {
			Status  string `db:"status"`
			Counted string `db:"counted"`
			Told    int    `db:"told"`
		}
		err := tx.GetContext(ctx, &row, `
			WITH prev AS (SELECT status FROM sms_statuses WHERE provider_id = $1),
			up AS (
				INSERT INTO sms_statuses (provider_id, status, error_code, updated_at) VALUES ($1, $2, $3, COALESCE($5, now()))
				ON CONFLICT (provider_id) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, updated_at = EXCLUDED.updated_at
				WHERE $4 >= (CASE sms_statuses.status `+rankCases()+` ELSE 0 END)
				RETURNING status, counted, error_code, updated_at),
			told AS (
				SELECT ccflow_webhook_message_status(d.key, d.workflow_id, d.step_id, COALESCE(d.channel, 'sms'), d.entry_id, $1,
					up.status, 'twilio', '', up.error_code, up.updated_at)
				FROM up LEFT JOIN deliveries d ON d.provider_id = $1 AND d.provider_id <> ''
				WHERE NOT EXISTS (SELECT 1 FROM prev WHERE prev.status = up.status))
			SELECT status, counted, (SELECT count(*) FROM told) AS told FROM up`,
			providerID, status, errorCode, rank, s.stamp())
		if errors.Is(err, sql.ErrNoRows) {
			return nil // a report older than the one recorded
		}
		if err != nil || !s.keepsResults() {
			return err
		}
		// A statement of its own: it sees a send that committed while the
		// insert above waited for its mark on the row.
		var d Delivery
		err = tx.GetContext(ctx, &d, `SELECT `+deliveryColumns+` FROM deliveries WHERE provider_id = $1 AND provider_id <> ''`, providerID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the send counts it when it is recorded
		}
		if err != nil {
			return err
		}
		class := smsClassOf(row.Status)
		if class == row.Counted {
			return nil
		}
		if row.Counted != "" {
			if err := s.countSMSReport(ctx, tx, d, row.Counted, -1); err != nil {
				return err
			}
		}
		if class != "" {
			if err := s.countSMSReport(ctx, tx, d, class, 1); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sms_statuses SET counted = $2 WHERE provider_id = $1`, providerID, class); err != nil {
			return err
		}
		if d.Survey && class == "delivered" {
			_, err = tx.ExecContext(ctx, `UPDATE surveys SET delivered_at = COALESCE($2, now()) WHERE id = $1 AND delivered_at IS NULL`, d.Key, s.stamp())
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("recording status %s of message %s: %w", status, providerID, err)
	}
	return true, nil
}

// smsClassOf is the class of an SMS status the facts count (see smsClass).
func smsClassOf(status string) string {
	switch status {
	case "delivered", "read":
		return "delivered"
	case "undelivered", "failed":
		return "failed"
	}
	return ""
}

// countSMSReport records, in tx, n facts of the report class of d.
func (s *Store) countSMSReport(ctx context.Context, tx *sqlx.Tx, d Delivery, class string, n int) error {
	if _, err := tx.ExecContext(ctx, factsStatement(`
		SELECT $2::timestamptz, $3::text, $4, `+runDims("$5::text")+`, '', '', NULL, NULL
		FROM (SELECT 1) one LEFT JOIN runs r ON r.workflow_id = $1`),
		d.WorkflowID, d.CreatedAt, class, n, d.EntryID); err != nil {
		return fmt.Errorf("counting the %s report of delivery %q: %w", class, d.Key, err)
	}
	return nil
}

func rankCases() string {
	out := ""
	for _, st := range slices.Sorted(maps.Keys(smsStatusRank)) {
		out += fmt.Sprintf(" WHEN '%s' THEN %d", st, smsStatusRank[st])
	}
	return out
}

// SMSStatus is what Twilio last reported of a message.
type SMSStatus struct {
	ProviderID string    `db:"provider_id"`
	Status     string    `db:"status"`
	ErrorCode  string    `db:"error_code"`
	UpdatedAt  time.Time `db:"updated_at"`
}

// SMSStatuses returns the statuses reported for the messages of workflowID,
// by provider id.
func (s *Store) SMSStatuses(ctx context.Context, workflowID string) (map[string]SMSStatus, error) {
	var list []SMSStatus
	err := s.db.SelectContext(ctx, &list, `
		SELECT st.provider_id, st.status, st.error_code, st.updated_at
		FROM sms_statuses st JOIN deliveries d ON d.provider_id = st.provider_id
		WHERE d.workflow_id = $1 AND st.status <> ''`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("reading delivery statuses of workflow %q: %w", workflowID, err)
	}
	out := make(map[string]SMSStatus, len(list))
	for _, st := range list {
		out[st.ProviderID] = st
	}
	return out, nil
}

// optOutCreated is the optout.created event of a new opt-out.
func optOutCreated(sup Suppression) webhook.Event {
	return webhook.NewOptOutCreated(webhook.OptOutCreatedData{Channel: sup.Channel, Address: sup.Address, Source: sup.Source,
		Reason: sup.Reason, CreatedAt: sup.CreatedAt}, sup.AddressHash)
}
