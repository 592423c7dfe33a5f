package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// What ccflow did with an inbound message (inbound_messages.action).
const (
	InboundOptedOut = "opted_out"
	InboundOptedIn  = "opted_in"
	// InboundKept is any other message: kept for an operator to read.
	InboundKept = "kept"
)

// InboundMessage is one SMS a customer sent to the contact center's
// number.
type InboundMessage struct {
	// MessageSID is Twilio's MessageSid: a message is handled once by it.
	MessageSID string `db:"message_sid"`
	// IdempotencyToken is Twilio's I-Twilio-Idempotency-Token header, the
	// same on every retry of one post; nil when the post had none.
	IdempotencyToken *string `db:"idempotency_token"`
	Channel          string  `db:"channel"`
	// FromHash is the keyed hash of the sender's number (as opt-outs are
	// kept); From is the number, To the number it was sent to.
	FromHash string  `db:"from_hash"`
	From     *string `db:"from_address"`
	To       string  `db:"to_address"`
	Body     *string `db:"body"`
	// Action is InboundOptedOut, InboundOptedIn or InboundKept, or for a
	// reply to a survey answered by reply InboundReceived, InboundAnswered
	// or InboundUnclear (replies.go); Keyword the keyword read ("STOP",
	// "OPT OUT"), "" when none.
	Action  string `db:"action"`
	Keyword string `db:"keyword"`
	// SurveyID is the survey answered by reply the message was read
	// against, when it was (issue 17): Action says what it did.
	SurveyID   *string   `db:"survey_id"`
	ReceivedAt time.Time `db:"received_at"`
}

const inboundColumns = `message_sid, idempotency_token, channel, from_hash, from_address, to_address, body,
	action, keyword, survey_id, received_at`

// InboundEffect is what handling a new inbound message does beside
// recording it, in the same transaction: an opt-out to record, or the
// opt-outs of the sender (all forms of their hash) to remove.
type InboundEffect struct {
	OptOut *Suppression
	OptIn  []string
}

// HandleInbound records m and applies effect, in one transaction, unless a
// message with the same MessageSid or idempotency token was handled
// before: then nothing changes, and it returns the message as first
// handled with handled false. A post Twilio repeats, or a captured one
// replayed, is so handled once.
func (s *Store) HandleInbound(ctx context.Context, m InboundMessage, effect InboundEffect) (InboundMessage, bool, error) {
	var got InboundMessage
	fresh := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// A message handled before (the same sid or token) inserts no row:
		// ON CONFLICT DO NOTHING returns none.
		var inserted []InboundMessage
		if err := tx.SelectContext(ctx, &inserted, `
			INSERT INTO inbound_messages (message_sid, idempotency_token, channel, from_hash, from_address, to_address,
				body, action, keyword, survey_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT DO NOTHING
			RETURNING `+inboundColumns,
			m.MessageSID, m.IdempotencyToken, m.Channel, m.FromHash, m.From, m.To, m.Body, m.Action, m.Keyword, m.SurveyID); err != nil {
			return fmt.Errorf("recording inbound message %s: %w", m.MessageSID, err)
		}
		if fresh = len(inserted) == 1; fresh {
			got = inserted[0]
		}
		if !fresh {
			if err := tx.GetContext(ctx, &got, `SELECT `+inboundColumns+` FROM inbound_messages
				WHERE message_sid = $1 OR ($2::text IS NOT NULL AND idempotency_token = $2) LIMIT 1`,
				m.MessageSID, m.IdempotencyToken); err != nil {
				return fmt.Errorf("reading inbound message %s: %w", m.MessageSID, err)
			}
			return nil
		}
		var err error
		switch {
		case effect.OptOut != nil:
			_, _, err = addSuppression(ctx, tx, *effect.OptOut)
		case len(effect.OptIn) > 0:
			if err = removeSuppression(ctx, tx, m.Channel, effect.OptIn); errors.Is(err, ErrNotFound) {
				err = nil // not opted out: nothing to undo
			}
		}
		return err
	})
	if err != nil {
		return InboundMessage{}, false, err
	}
	return got, fresh, nil
}

// InboundMessages lists the inbound messages received since since, newest
// first, at most limit; only those an operator should read (kept) when
// keptOnly.
func (s *Store) InboundMessages(ctx context.Context, since time.Time, keptOnly bool, limit int) ([]InboundMessage, error) {
	list := []InboundMessage{}
	if err := s.db.SelectContext(ctx, &list, `SELECT `+inboundColumns+` FROM inbound_messages
		WHERE received_at >= $1 AND (NOT $2 OR action = 'kept')
		ORDER BY received_at DESC, message_sid LIMIT $3`, since, keptOnly, limit); err != nil {
		return nil, fmt.Errorf("listing inbound messages: %w", err)
	}
	return list, nil
}
