package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// RecordedInteraction is one ended interaction ccflow received, kept for
// simulations: Event is the event as JSON, sealed with the payload keys
// when they are set (the caller seals and opens it).
type RecordedInteraction struct {
	InteractionID string    `db:"interaction_id"`
	CustomerID    string    `db:"customer_id"`
	EndedAt       time.Time `db:"ended_at"`
	Event         []byte    `db:"event"`
}

// RecordInteractions keeps ended interactions, in one statement; one kept
// already (the same event posted again) stays as it was first kept.
func (s *Store) RecordInteractions(ctx context.Context, list []RecordedInteraction) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]string, len(list))
	customers := make([]string, len(list))
	ended := make([]string, len(list))
	events := make([][]byte, len(list))
	for i, r := range list {
		ids[i], customers[i], events[i] = r.InteractionID, r.CustomerID, r.Event
		ended[i] = r.EndedAt.UTC().Format(time.RFC3339Nano)
	}
	if _, err := s.db.ExecContext(ctx, `
		INSERT INTO recorded_interactions (interaction_id, customer_id, ended_at, event)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bytea[])
		ON CONFLICT (interaction_id) DO NOTHING`,
		pq.Array(ids), pq.Array(customers), pq.Array(ended), pq.ByteaArray(events)); err != nil {
		return fmt.Errorf("keeping %d ended interactions for simulations: %w", len(list), err)
	}
	return nil
}

// CountRecordedInteractions counts the interactions kept that ended in
// [from, to), up to limit: a count of limit means limit or more.
func (s *Store) CountRecordedInteractions(ctx context.Context, from, to time.Time, limit int) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `
		SELECT count(*) FROM (SELECT 1 FROM recorded_interactions WHERE ended_at >= $1 AND ended_at < $2 LIMIT $3) AS r`,
		from, to, limit); err != nil {
		return 0, fmt.Errorf("counting the interactions kept from %s to %s: %w", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}

// RecordedAfter is where a page of RecordedInteractions starts: after the
// interaction of this end and id (the zero value: at the period's start).
type RecordedAfter struct {
	EndedAt       time.Time
	InteractionID string
}

// RecordedInteractions lists at most limit interactions kept that ended in
// [from, to), after the one after names, in the order they ended (by id
// among those that ended together): a page of a replay.
func (s *Store) RecordedInteractions(ctx context.Context, from, to time.Time, after RecordedAfter, limit int) ([]RecordedInteraction, error) {
	list := []RecordedInteraction{}
	if after.EndedAt.IsZero() {
		after.EndedAt = from.Add(-time.Microsecond)
	}
	if err := s.db.SelectContext(ctx, &list, `
		SELECT interaction_id, customer_id, ended_at, event FROM recorded_interactions
		WHERE ended_at >= $1 AND ended_at < $2 AND (ended_at, interaction_id) > ($3, $4)
		ORDER BY ended_at, interaction_id LIMIT $5`,
		from, to, after.EndedAt, after.InteractionID, limit); err != nil {
		return nil, fmt.Errorf("reading the interactions kept from %s to %s: %w", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	return list, nil
}

// ContactFactsQuery asks ContactFacts about the recipients of a batch of
// simulated runs.
type ContactFactsQuery struct {
	// AddressHashes are every hash an opt-out of the recipients may be
	// kept under (policy.AddressHasher.Forms of each address).
	AddressHashes []string
	// CustomerKeys are whom the runs' sends count against
	// (policy.CountedAs); CustomerIDs are the runs' customers, whose
	// interactions say whether they contacted again.
	CustomerKeys []string
	CustomerIDs  []string
	// Since is the earliest decision of a send wanted: the earliest moment
	// of the batch less the longest window the policy counts sends in.
	Since time.Time
}

// OptOutFact is an opt-out: a channel and an address hash.
type OptOutFact struct {
	Channel     string `db:"channel"`
	AddressHash string `db:"address_hash"`
}

// SendFact is a message the contact policy let go (decision send, pending
// or sent), as the caps and the survey grace count it.
type SendFact struct {
	Key         string    `db:"key"`
	WorkflowID  string    `db:"workflow_id"`
	CustomerKey string    `db:"customer_key"`
	Channel     string    `db:"channel"`
	EntryID     string    `db:"entry_id"`
	Survey      bool      `db:"survey"`
	DecidedAt   time.Time `db:"decided_at"`
}

// InteractionFact is an interaction of a customer and when it arrived.
type InteractionFact struct {
	CustomerID    string    `db:"customer_id"`
	InteractionID string    `db:"interaction_id"`
	ReceivedAt    time.Time `db:"received_at"`
}

// ContactFacts are what the store knows of some recipients: the facts
// DecideSend reads for one send (see facts), for many at once.
type ContactFacts struct {
	OptOuts      []OptOutFact
	Sends        []SendFact
	Interactions []InteractionFact
}

// ContactFacts reads, in one read-only transaction that takes no lock,
// the opt-outs of the address hashes, the sends counted against the
// customer keys decided since q.Since, and the interactions of the
// customers: what a simulation decides its sends by, without writing
// anything.
func (s *Store) ContactFacts(ctx context.Context, q ContactFactsQuery) (ContactFacts, error) {
	f := ContactFacts{OptOuts: []OptOutFact{}, Sends: []SendFact{}, Interactions: []InteractionFact{}}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return f, fmt.Errorf("beginning a read-only transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read only: nothing to commit
	reads := []struct {
		what string
		dest any
		skip bool
		sql  string
		args []any
	}{
		{"opt-outs", &f.OptOuts, len(q.AddressHashes) == 0,
			`SELECT channel, address_hash FROM suppressions WHERE channel IN ('email', 'sms') AND address_hash = ANY($1)`, []any{anyHash(q.AddressHashes)}},
		{"sends", &f.Sends, len(q.CustomerKeys) == 0, `
			SELECT key, workflow_id, customer_key, channel, entry_id, survey, decided_at FROM deliveries
			WHERE customer_key = ANY($1) AND decision = 'send' AND status IN ('pending', 'sent') AND decided_at > $2`,
			[]any{pq.Array(q.CustomerKeys), q.Since}},
		{"interactions", &f.Interactions, len(q.CustomerIDs) == 0,
			`SELECT customer_id, interaction_id, received_at FROM customer_interactions WHERE customer_id = ANY($1)`,
			[]any{pq.Array(q.CustomerIDs)}},
	}
	for _, r := range reads {
		if r.skip {
			continue
		}
		if err := sqlx.SelectContext(ctx, tx, r.dest, r.sql, r.args...); err != nil {
			return f, fmt.Errorf("reading the %s of %d recipients for a simulation: %w", r.what, len(q.CustomerKeys), err)
		}
	}
	return f, nil
}
