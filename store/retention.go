package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// What the store keeps about customers, and for how long:
//
//   - deliveries (recipient addresses, provider ids, errors that name
//     addresses) and Twilio's delivery statuses: until CCFLOW_RETENTION
//     after their last change;
//   - surveys (the question, rendered with the customer's data) and their
//     answers (score and comment): until CCFLOW_RETENTION after the survey
//     opened, and never while its link still takes answers;
//   - customer interactions (customer id and interaction id): until
//     CCFLOW_RETENTION after they arrived;
//   - inbound SMS (the sender's number and hash, the text): until
//     CCFLOW_RETENTION after they arrived;
//   - events posted to runs and the data each run kept of them: until
//     CCFLOW_RETENTION after they were posted;
//   - recorded interactions (each ended interaction as posted, sealed with
//     the payload keys when set, for simulations): until CCFLOW_RETENTION
//     after they arrived;
//   - opt-outs: for good, since an opt-out must outlive everything else;
//     their free-text reason goes after CCFLOW_RETENTION, their address
//     when the customer's data is erased (the keyed hash stays and still
//     matches);
//   - webhook events (copies of answers, message statuses, opt-outs and
//     run ends sent to subscribers) with their deliveries and attempts
//     (which keep the start of each receiver's answer): until
//     CCFLOW_RETENTION after the event, and never while a delivery of it
//     is still being tried;
//   - run records (workflow, entry, interaction, what results group by:
//     service, agent id, disposition, channel, variant, and the contact
//     center's customer id; no name, address, phone or message): for good,
//     as the dedupe record that keeps a repeated event from starting a run
//     again; their customer id goes CCFLOW_RETENTION after the run ended,
//     or when the customer's data is erased;
//   - result facts and the rollup: for good; they hold counts, scores and
//     minutes by entry, service, agent id, disposition, channel and
//     variant, nothing about a customer, and keep their counts when the
//     answers they counted are deleted.

// Purged counts what one Purge call deleted or cleared.
type Purged struct {
	Deliveries           int64 `json:"deliveries"`
	SMSStatuses          int64 `json:"sms_statuses"`
	Surveys              int64 `json:"surveys"`
	SurveyAnswers        int64 `json:"survey_answers"`
	CustomerInteractions int64 `json:"customer_interactions"`
	SuppressionReasons   int64 `json:"suppression_reasons"`
	// RunsUnlinked are run records whose customer id was cleared.
	RunsUnlinked int64 `json:"runs_unlinked"`
	// WebhookEvents are events of the webhook outbox, deleted with their
	// deliveries and attempts.
	WebhookEvents   int64 `json:"webhook_events"`
	InboundMessages int64 `json:"inbound_messages"`
	// PostedEvents are posts of events to runs (with the data each run
	// kept of them).
	PostedEvents int64 `json:"posted_events"`
	// RecordedInteractions are ended interactions kept for simulations.
	RecordedInteractions int64 `json:"recorded_interactions"`
}

// Add adds o's counts to p.
func (p *Purged) Add(o Purged) {
	p.Deliveries += o.Deliveries
	p.SMSStatuses += o.SMSStatuses
	p.Surveys += o.Surveys
	p.SurveyAnswers += o.SurveyAnswers
	p.CustomerInteractions += o.CustomerInteractions
	p.SuppressionReasons += o.SuppressionReasons
	p.RunsUnlinked += o.RunsUnlinked
	p.WebhookEvents += o.WebhookEvents
	p.InboundMessages += o.InboundMessages
	p.PostedEvents += o.PostedEvents
	p.RecordedInteractions += o.RecordedInteractions
}

// Total is the number of rows touched.
func (p Purged) Total() int64 {
	return p.Deliveries + p.SMSStatuses + p.Surveys + p.SurveyAnswers + p.CustomerInteractions + p.SuppressionReasons +
		p.RunsUnlinked + p.WebhookEvents + p.InboundMessages + p.PostedEvents + p.RecordedInteractions
}

// Purge deletes one batch (at most batch rows of each kind) of the
// customer data older than cutoff, and clears the free-text reasons of
// opt-outs older than cutoff. now is the current time: a survey whose link
// still takes answers is kept whatever its age. Callers repeat it until it
// touches nothing; each call is a short transaction of its own, so a
// large backlog never holds locks for long.
func (s *Store) Purge(ctx context.Context, cutoff, now time.Time, batch int) (Purged, error) {
	var p Purged
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		steps := []struct {
			what  string
			count *int64
			query string
			args  []any
		}{
			{"deliveries", &p.Deliveries, `
				DELETE FROM deliveries WHERE key IN (
					SELECT key FROM deliveries WHERE updated_at < $1 ORDER BY updated_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"SMS delivery statuses", &p.SMSStatuses, `
				DELETE FROM sms_statuses WHERE provider_id IN (
					SELECT provider_id FROM sms_statuses WHERE updated_at < $1 ORDER BY updated_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"survey answers", &p.SurveyAnswers, `
				DELETE FROM survey_answers WHERE survey_id IN (
					SELECT id FROM surveys WHERE created_at < $1 AND expires_at < $3 ORDER BY created_at LIMIT $2)`,
				[]any{cutoff, batch, now}},
			{"surveys", &p.Surveys, `
				DELETE FROM surveys WHERE id IN (
					SELECT id FROM surveys WHERE created_at < $1 AND expires_at < $3 ORDER BY created_at LIMIT $2)`,
				[]any{cutoff, batch, now}},
			{"customer interactions", &p.CustomerInteractions, `
				DELETE FROM customer_interactions WHERE (customer_id, interaction_id) IN (
					SELECT customer_id, interaction_id FROM customer_interactions
					WHERE received_at < $1 ORDER BY received_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"posted events", &p.PostedEvents, `
				DELETE FROM event_posts WHERE id IN (
					SELECT id FROM event_posts WHERE posted_at < $1 ORDER BY posted_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"opt-out reasons", &p.SuppressionReasons, `
				UPDATE suppressions SET reason = '' WHERE (channel, address_hash) IN (
					SELECT channel, address_hash FROM suppressions
					WHERE created_at < $1 AND reason <> '' ORDER BY created_at LIMIT $2)`,
				[]any{cutoff, batch}},
			// A run that ended long ago stops no run of a later
			// interaction, and its customer id names a customer.
			{"run records' customer id", &p.RunsUnlinked, `
				UPDATE runs SET customer_id = '' WHERE workflow_id IN (
					SELECT workflow_id FROM runs
					WHERE customer_id <> '' AND ended_at < $1 ORDER BY ended_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"webhook events", &p.WebhookEvents, `
				DELETE FROM webhook_events WHERE id IN (
					SELECT e.id FROM webhook_events e
					WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
						WHERE d.event_id = e.id AND d.status IN ('pending', 'retrying'))
					ORDER BY e.created_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"inbound messages", &p.InboundMessages, `
				DELETE FROM inbound_messages WHERE message_sid IN (
					SELECT message_sid FROM inbound_messages WHERE received_at < $1 ORDER BY received_at LIMIT $2)`,
				[]any{cutoff, batch}},
			{"recorded interactions", &p.RecordedInteractions, `
				DELETE FROM recorded_interactions WHERE interaction_id IN (
					SELECT interaction_id FROM recorded_interactions WHERE received_at < $1 ORDER BY received_at LIMIT $2)`,
				[]any{cutoff, batch}},
		}
		for _, st := range steps {
			res, err := tx.ExecContext(ctx, st.query, st.args...)
			if err != nil {
				return fmt.Errorf("deleting %s older than %s: %w", st.what, cutoff.UTC().Format(time.RFC3339), err)
			}
			if *st.count, err = res.RowsAffected(); err != nil {
				return fmt.Errorf("counting the %s deleted: %w", st.what, err)
			}
		}
		return nil
	})
	return p, err
}

// Erased counts what EraseCustomer deleted or cleared.
type Erased struct {
	Deliveries           int64
	SMSStatuses          int64
	Surveys              int64
	SurveyAnswers        int64
	CustomerInteractions int64
	// SuppressionsAnonymized are opt-outs of the customer's addresses kept
	// as the hash alone, address and reason cleared.
	SuppressionsAnonymized int64
	// RunsUnlinked are run records whose customer id was cleared.
	RunsUnlinked int64
	// WebhookEvents are events of the webhook outbox that held the
	// customer's data, deleted with their deliveries and attempts: those
	// not yet delivered are never sent.
	WebhookEvents int64
	// InboundMessages are SMS the customer sent from a number ccflow sent
	// to for them, deleted.
	InboundMessages int64
	// PostedEvents are the events posted to their runs, with their data.
	PostedEvents int64
	// RecordedInteractions are the customer's ended interactions kept for
	// simulations.
	RecordedInteractions int64
}

// CustomerRuns lists the workflow IDs of the runs recorded for the
// customer, oldest first.
func (s *Store) CustomerRuns(ctx context.Context, customerID string) ([]string, error) {
	ids := []string{}
	if err := s.db.SelectContext(ctx, &ids,
		`SELECT workflow_id FROM runs WHERE customer_id = $1 ORDER BY started_at, workflow_id`, customerID); err != nil {
		return nil, fmt.Errorf("listing the runs of customer %s: %w", customerID, err)
	}
	return ids, nil
}

// EraseCustomer erases, in one transaction, what the store keeps about
// one customer: the deliveries of their runs and those counted against
// them, with Twilio's statuses of those messages; their surveys and
// answers; their interactions; the address and reason of opt-outs of
// addresses ccflow sent to for them (each opt-out stays, as the hash of
// the address, so it keeps matching); the customer id of their run
// records; and the webhook events about them, their runs or those
// addresses, with their deliveries (unsent ones are never sent). Erasing a customer the store does not know, or again, erases
// nothing and is no error.
func (s *Store) EraseCustomer(ctx context.Context, customerID string) (Erased, error) {
	var e Erased
	if customerID == "" {
		// "" is the customer of every run without one: erasing it would
		// erase them all.
		return e, fmt.Errorf("erasing a customer: the customer id is empty: %w", ErrNotFound)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Taken first, so a send deciding for this customer at this moment
		// (DecideSend holds the same lock) finishes before or starts after.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "ccflow-customer:"+customerID); err != nil {
			return fmt.Errorf("locking customer %q: %w", customerID, err)
		}
		var workflows []string
		if err := tx.SelectContext(ctx, &workflows, `SELECT workflow_id FROM runs WHERE customer_id = $1`, customerID); err != nil {
			return fmt.Errorf("listing the runs of customer %s: %w", customerID, err)
		}
		ids := pq.Array(workflows)
		var hashes []string
		if err := tx.SelectContext(ctx, &hashes, `
			SELECT DISTINCT address_hash FROM deliveries
			WHERE (customer_key = $1 OR workflow_id = ANY($2)) AND address_hash <> ''`, customerID, ids); err != nil {
			return fmt.Errorf("listing the addresses of customer %s: %w", customerID, err)
		}
		steps := []struct {
			what  string
			count *int64
			query string
			args  []any
		}{
			{"SMS delivery statuses", &e.SMSStatuses, `
				DELETE FROM sms_statuses WHERE provider_id IN (
					SELECT provider_id FROM deliveries
					WHERE (customer_key = $1 OR workflow_id = ANY($2)) AND provider_id <> '')`,
				[]any{customerID, ids}},
			{"deliveries", &e.Deliveries, `DELETE FROM deliveries WHERE customer_key = $1 OR workflow_id = ANY($2)`,
				[]any{customerID, ids}},
			{"survey answers", &e.SurveyAnswers, `
				DELETE FROM survey_answers WHERE survey_id IN (SELECT id FROM surveys WHERE workflow_id = ANY($1))`,
				[]any{ids}},
			{"surveys", &e.Surveys, `DELETE FROM surveys WHERE workflow_id = ANY($1)`, []any{ids}},
			{"customer interactions", &e.CustomerInteractions, `DELETE FROM customer_interactions WHERE customer_id = $1`,
				[]any{customerID}},
			{"opt-out addresses", &e.SuppressionsAnonymized, `
				UPDATE suppressions SET address = NULL, reason = ''
				WHERE address_hash = ANY($1) AND (address IS NOT NULL OR reason <> '')`,
				[]any{pq.Array(hashes)}},
			{"events posted to their runs", &e.PostedEvents, `DELETE FROM run_events WHERE workflow_id = ANY($1)`, []any{ids}},
			{"run records' customer id", &e.RunsUnlinked, `UPDATE runs SET customer_id = '' WHERE customer_id = $1`,
				[]any{customerID}},
			{"webhook events", &e.WebhookEvents, `
				DELETE FROM webhook_events
				WHERE customer_id = $1 OR (workflow_id <> '' AND workflow_id = ANY($2)) OR (address_hash <> '' AND address_hash = ANY($3))`,
				[]any{customerID, ids, pq.Array(hashes)}},
			{"inbound messages", &e.InboundMessages, `DELETE FROM inbound_messages WHERE from_hash = ANY($1)`,
				[]any{pq.Array(hashes)}},
			{"recorded interactions", &e.RecordedInteractions, `DELETE FROM recorded_interactions WHERE customer_id = $1`,
				[]any{customerID}},
		}
		for _, st := range steps {
			res, err := tx.ExecContext(ctx, st.query, st.args...)
			if err != nil {
				return fmt.Errorf("erasing the %s of customer %s: %w", st.what, customerID, err)
			}
			if *st.count, err = res.RowsAffected(); err != nil {
				return fmt.Errorf("counting the %s of customer %s erased: %w", st.what, customerID, err)
			}
		}
		return nil
	})
	return e, err
}
