package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/policy"
)

// Addresses are kept under a keyed hash (policy.AddressHasher): opt-outs,
// deliveries and inbound messages. The key is derived from the link secret,
// which the database does not hold, so moving rows to a new key is the
// processes' work: RekeyAddresses, which the starter and the worker run at
// start-up.

// rekeyBatch is how many rows one transaction of RekeyAddresses moves.
const rekeyBatch = 500

// Rekeyed counts what RekeyAddresses moved.
type Rekeyed struct {
	// Suppressions are opt-outs whose address is known, hashed with the
	// current key; ErasedSuppressions those whose address was erased,
	// whose unkeyed hash became its keyed legacy form.
	Suppressions       int64 `json:"suppressions"`
	ErasedSuppressions int64 `json:"erased_suppressions"`
	// Deliveries are deliveries hashed with the current key (their
	// recipient is always known).
	Deliveries int64 `json:"deliveries"`
	// InboundMessages are inbound SMS hashed with the current key.
	InboundMessages int64 `json:"inbound_messages"`
}

// Total is the number of rows moved.
func (r Rekeyed) Total() int64 {
	return r.Suppressions + r.ErasedSuppressions + r.Deliveries + r.InboundMessages
}

// RekeyAddresses moves every row that names an address by another hash
// than h's current one:
//
//   - opt-outs, deliveries and inbound messages whose address is known get
//     h.Hash of it: those of before the keys (an unkeyed SHA-256) and those
//     of a key rotated out; a delivery of before the keys also keeps the
//     keyed form of its unkeyed hash (legacy_hash), which its unsubscribe
//     link carries, and its customer_key follows its hash;
//   - opt-outs whose address was erased keep their unkeyed hash no longer:
//     it becomes its keyed legacy form (h.LegacyForm), which the address's
//     Forms still match. One under a key rotated out stays as it is, and
//     matches as long as its secret is listed.
//
// It works in short transactions under an advisory lock, so the starter and
// the worker may run it at once; run again, it finds nothing to do.
func (s *Store) RekeyAddresses(ctx context.Context, h *policy.AddressHasher) (Rekeyed, error) {
	var total Rekeyed
	for {
		var r Rekeyed
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('ccflow-rekey-addresses', 0))`); err != nil {
				return fmt.Errorf("locking the address rekeying: %w", err)
			}
			var err error
			if r.Suppressions, r.ErasedSuppressions, err = rekeySuppressions(ctx, tx, h); err != nil {
				return err
			}
			if r.Deliveries, err = rekeyDeliveries(ctx, tx, h); err != nil {
				return err
			}
			r.InboundMessages, err = rekeyInbound(ctx, tx, h)
			return err
		})
		if err != nil {
			return total, err
		}
		total.Suppressions += r.Suppressions
		total.ErasedSuppressions += r.ErasedSuppressions
		total.Deliveries += r.Deliveries
		total.InboundMessages += r.InboundMessages
		if r.Total() == 0 {
			return total, nil
		}
	}
}

// normalizedOr is the address as hashes are made of it; one that does not
// normalize (a delivery the provider refused) is lower-cased and trimmed,
// as the send activity hashed it.
func normalizedOr(channel, address string) string {
	if n, err := policy.NormalizeAddress(channel, address); err == nil {
		return n
	}
	return strings.ToLower(strings.TrimSpace(address))
}

func rekeySuppressions(ctx context.Context, tx *sqlx.Tx, h *policy.AddressHasher) (known, erased int64, err error) {
	var rows []Suppression
	if err := tx.SelectContext(ctx, &rows, `
		SELECT channel, address_hash, address, reason, source, created_at FROM suppressions
		WHERE address_hash !~ $1 AND (address IS NOT NULL OR address_hash ~ $2)
		ORDER BY created_at LIMIT $3`, h.CurrentPattern(), policy.LegacyPattern, rekeyBatch); err != nil {
		return 0, 0, fmt.Errorf("listing opt-outs to hash with key %s: %w", h.KeyID(), err)
	}
	for _, row := range rows {
		var next string
		switch {
		case row.Address != nil:
			next = h.Hash(normalizedOr(row.Channel, *row.Address))
			known++
		default:
			next = h.LegacyForm(row.AddressHash)
			erased++
		}
		// The address may be opted out under the new hash already: the
		// older record stays, the other goes.
		if _, err := tx.ExecContext(ctx, `
			WITH moved AS (
				DELETE FROM suppressions WHERE channel = $1 AND address_hash = $2 RETURNING *
			)
			INSERT INTO suppressions (channel, address_hash, address, reason, source, created_at)
			SELECT channel, $3, address, reason, source, created_at FROM moved
			ON CONFLICT (channel, address_hash) DO UPDATE SET
				address = COALESCE(suppressions.address, EXCLUDED.address),
				created_at = LEAST(suppressions.created_at, EXCLUDED.created_at)`,
			row.Channel, row.AddressHash, next); err != nil {
			return 0, 0, fmt.Errorf("hashing a %s opt-out with key %s: %w", row.Channel, h.KeyID(), err)
		}
	}
	return known, erased, nil
}

func rekeyDeliveries(ctx context.Context, tx *sqlx.Tx, h *policy.AddressHasher) (int64, error) {
	var rows []struct {
		Key         string `db:"key"`
		Channel     string `db:"channel"`
		Recipient   string `db:"recipient"`
		AddressHash string `db:"address_hash"`
		CustomerKey string `db:"customer_key"`
	}
	if err := tx.SelectContext(ctx, &rows, `
		SELECT key, channel, recipient, address_hash, customer_key FROM deliveries
		WHERE address_hash <> '' AND address_hash !~ $1
		ORDER BY key LIMIT $2 FOR UPDATE`, h.CurrentPattern(), rekeyBatch); err != nil {
		return 0, fmt.Errorf("listing deliveries to hash with key %s: %w", h.KeyID(), err)
	}
	for _, d := range rows {
		next := h.Hash(normalizedOr(d.Channel, d.Recipient))
		legacy := ""
		if policy.IsLegacyHash(d.AddressHash) {
			legacy = h.LegacyForm(d.AddressHash)
		}
		customerKey := d.CustomerKey
		if customerKey == "address:"+d.AddressHash {
			customerKey = "address:" + next
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE deliveries SET address_hash = $2, customer_key = $3,
				legacy_hash = CASE WHEN $4 = '' THEN legacy_hash ELSE $4 END
			WHERE key = $1`, d.Key, next, customerKey, legacy); err != nil {
			return 0, fmt.Errorf("hashing delivery %q with key %s: %w", d.Key, h.KeyID(), err)
		}
	}
	return int64(len(rows)), nil
}

func rekeyInbound(ctx context.Context, tx *sqlx.Tx, h *policy.AddressHasher) (int64, error) {
	var rows []struct {
		SID  string `db:"message_sid"`
		From string `db:"from_address"`
	}
	if err := tx.SelectContext(ctx, &rows, `
		SELECT message_sid, from_address FROM inbound_messages
		WHERE from_address IS NOT NULL AND from_hash !~ $1 LIMIT $2 FOR UPDATE`, h.CurrentPattern(), rekeyBatch); err != nil {
		return 0, fmt.Errorf("listing inbound messages to hash with key %s: %w", h.KeyID(), err)
	}
	for _, m := range rows {
		if _, err := tx.ExecContext(ctx, `UPDATE inbound_messages SET from_hash = $2 WHERE message_sid = $1`,
			m.SID, h.Hash(normalizedOr(policy.ChannelSMS, m.From))); err != nil {
			return 0, fmt.Errorf("hashing inbound message %s with key %s: %w", m.SID, h.KeyID(), err)
		}
	}
	return int64(len(rows)), nil
}

// RecipientByHash finds the address ccflow sent to on channel whose keyed
// hash, or keyed legacy form (for an unsubscribe link sent before the
// keys), is hash: what an unsubscribe link names, so the opt-out it makes
// can show the address. ok is false when no delivery kept is to it.
func (s *Store) RecipientByHash(ctx context.Context, channel, hash string) (recipient string, ok bool, err error) {
	err = s.db.GetContext(ctx, &recipient, `
		(SELECT recipient FROM deliveries WHERE channel = $1 AND address_hash = $2 LIMIT 1)
		UNION ALL
		(SELECT recipient FROM deliveries WHERE channel = $1 AND legacy_hash = $2 LIMIT 1)
		LIMIT 1`, channel, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("finding the %s address of hash %s: %w", channel, hash, err)
	}
	return recipient, true, nil
}

// anyHash is hashes as a query parameter.
func anyHash(hashes []string) any { return pq.Array(hashes) }
