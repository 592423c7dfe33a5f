package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// What ccflow did with an SMS read as a reply to a survey answered by
// reply (inbound_messages.action, beside InboundKept).
const (
	// InboundReceived is a reply on its way to the survey's run: a
	// repeated post of it finishes the work (FinishReply).
	InboundReceived = "received"
	// InboundAnswered is the survey's answer; a survey has at most one.
	InboundAnswered = "answered"
	// InboundUnclear held no number on the scale while the survey was
	// open: the run was asked for its one clarifying SMS.
	InboundUnclear = "unclear"
)

// ReplySurveyClaim asks for a survey to be answered by SMS reply from the
// number whose keyed hash is NumberHash (Forms are the number's hashes
// under every key, to find surveys opened under an older one).
type ReplySurveyClaim struct {
	SurveyID   string
	NumberHash string
	Forms      []string
	// Scale is the survey's scale ("1-5" or "0-10"), on which replies are
	// read; Wait the step's wait for an answer.
	Scale string
	Wait  time.Duration
}

// openReply is the condition that a reply survey rs, joined with its
// survey s, its answer a and its SMS's delivery d, is open: unanswered,
// and its run still waits for it, as the SMS's delivery tells (not
// skipped or failed, and less than the wait since it went, or since the
// time it was held until, or since the survey opened while it has not
// gone). The time bound holds when a run ends without an answer in any
// way (canceled, failed, a worker gone for good): nothing needs to close
// a survey.
const openReply = `a.survey_id IS NULL AND COALESCE(d.status, 'pending') NOT IN ('skipped', 'failed')
	AND now() < COALESCE(d.sent_at, CASE WHEN d.status = 'held' THEN d.hold_until END, rs.created_at) + rs.wait`

// replyJoin joins a reply survey with what openReply reads.
const replyJoin = `reply_surveys rs JOIN surveys s ON s.id = rs.survey_id
	LEFT JOIN survey_answers a ON a.survey_id = rs.survey_id
	LEFT JOIN deliveries d ON d.key = rs.survey_id`

// OpenReplySurvey makes the survey answered by reply from the claim's
// number, unless another survey is open for replies from it: then it
// returns that survey's id and false, and the caller sends its survey as
// a link. It is idempotent: a survey that has its claim keeps it (a
// retried activity gets the same answer).
//
// Claims of one number take turns under a lock on its hash, so two
// surveys opening at once for one number never both take replies.
func (s *Store) OpenReplySurvey(ctx context.Context, c ReplySurveyClaim) (opened bool, other string, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "ccflow-reply-number:"+c.NumberHash); err != nil {
			return fmt.Errorf("locking the number of survey %q: %w", c.SurveyID, err)
		}
		var mine bool
		if err := tx.GetContext(ctx, &mine, `SELECT EXISTS (SELECT 1 FROM reply_surveys WHERE survey_id = $1)`, c.SurveyID); err != nil {
			return fmt.Errorf("reading the reply survey %q: %w", c.SurveyID, err)
		}
		if mine {
			opened = true
			return nil
		}
		err := tx.GetContext(ctx, &other, `SELECT rs.survey_id FROM `+replyJoin+`
			WHERE rs.number_hash = ANY($1) AND `+openReply+`
			ORDER BY rs.created_at DESC, rs.survey_id DESC LIMIT 1`, pq.Array(c.Forms))
		switch {
		case err == nil:
			return nil // another survey waits for a reply from this number
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("finding a survey open for replies from the number of survey %q: %w", c.SurveyID, err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO reply_surveys (survey_id, number_hash, scale, wait)
			VALUES ($1, $2, $3, $4 * interval '1 microsecond')`,
			c.SurveyID, c.NumberHash, c.Scale, c.Wait.Microseconds()); err != nil {
			if sqlState(err) == "23503" { // no such survey
				return fmt.Errorf("opening survey %q for replies: %w", c.SurveyID, ErrNotFound)
			}
			return fmt.Errorf("opening survey %q for replies: %w", c.SurveyID, err)
		}
		opened = true
		return nil
	})
	if err != nil {
		return false, "", err
	}
	return opened, other, nil
}

// ReplySurvey is a survey answered by SMS reply, as a reply finds it.
type ReplySurvey struct {
	Survey
	// Scale is the survey's scale, on which a reply is read.
	Scale string `db:"scale"`
	// Open is true while its run waits for the answer; an answer after
	// that is late.
	Open bool `db:"open"`
}

const replySurveySelect = `SELECT s.id, s.token_id, s.workflow_id, s.run_id, s.step_id, s.entry_id, s.interaction_id,
		s.channel, s.question, s.wait_until, s.expires_at, s.created_at, s.language, s.service,
		rs.scale, (` + openReply + `) AS open
	FROM ` + replyJoin

// ReplySurveyFor finds the survey an SMS from a number answers, given the
// number's hashes under every key: the newest survey sent to the number
// to be answered by reply, while it has no answer and has not expired (a
// survey whose wait is over takes a late answer). ErrNotFound when there
// is none: the message answers nothing.
func (s *Store) ReplySurveyFor(ctx context.Context, forms []string) (ReplySurvey, error) {
	var rs ReplySurvey
	err := s.db.GetContext(ctx, &rs, `WITH newest AS (
			SELECT survey_id FROM reply_surveys WHERE number_hash = ANY($1)
			ORDER BY created_at DESC, survey_id DESC LIMIT 1)
		`+replySurveySelect+` JOIN newest n ON n.survey_id = rs.survey_id
		WHERE a.survey_id IS NULL AND now() < s.expires_at`, pq.Array(forms))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ReplySurvey{}, fmt.Errorf("finding the survey a reply answers: %w", ErrNotFound)
	case err != nil:
		return ReplySurvey{}, fmt.Errorf("finding the survey a reply answers: %w", err)
	}
	return rs, nil
}

// ReplySurveyByID reads the reply survey id, answered or not (a repeated
// post of a reply finishes its work on the survey it was read against).
func (s *Store) ReplySurveyByID(ctx context.Context, id string) (ReplySurvey, error) {
	var rs ReplySurvey
	err := s.db.GetContext(ctx, &rs, replySurveySelect+` WHERE rs.survey_id = $1`, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ReplySurvey{}, fmt.Errorf("reading reply survey %q: %w", id, ErrNotFound)
	case err != nil:
		return ReplySurvey{}, fmt.Errorf("reading reply survey %q: %w", id, err)
	}
	return rs, nil
}

// FinishReply records what the reply messageSID, received for a survey,
// did: InboundAnswered, InboundUnclear or InboundKept. A survey has one
// answering message: when another message is recorded as its answer
// already, this one is kept. It returns the action recorded; a reply
// finished before keeps its action.
func (s *Store) FinishReply(ctx context.Context, messageSID, action string) (string, error) {
	var got string
	err := s.db.GetContext(ctx, &got, `
		UPDATE inbound_messages SET action = $2 WHERE message_sid = $1 AND action = 'received' RETURNING action`,
		messageSID, action)
	if action == InboundAnswered && sqlState(err) == "23505" { // another message answered
		err = s.db.GetContext(ctx, &got, `
			UPDATE inbound_messages SET action = 'kept' WHERE message_sid = $1 AND action = 'received' RETURNING action`,
			messageSID)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.GetContext(ctx, &got, `SELECT action FROM inbound_messages WHERE message_sid = $1`, messageSID)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("finishing reply %s: %w", messageSID, ErrNotFound)
		}
	}
	if err != nil {
		return "", fmt.Errorf("finishing reply %s: %w", messageSID, err)
	}
	return got, nil
}

// sqlState is the SQLSTATE of PostgreSQL's error err, "" for another
// error: 23503 refuses a reference to nothing, 23505 a second row where a
// unique index allows one.
func sqlState(err error) string {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		return string(pqErr.Code)
	}
	return ""
}

// WorkflowReplies is what a run's surveys answered by SMS reply keep:
// which surveys took replies, and the messages read as replies to them.
type WorkflowReplies struct {
	// ByReply holds the ids of the run's surveys answered by reply.
	ByReply map[string]bool
	// Replies are the messages read against them, oldest first.
	Replies []InboundMessage
}

// RepliesForWorkflow reads what the surveys of workflowID answered by SMS
// reply keep, for operators.
func (s *Store) RepliesForWorkflow(ctx context.Context, workflowID string) (WorkflowReplies, error) {
	out := WorkflowReplies{ByReply: map[string]bool{}, Replies: []InboundMessage{}}
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT rs.survey_id FROM reply_surveys rs JOIN surveys s ON s.id = rs.survey_id
		WHERE s.workflow_id = $1`, workflowID); err != nil {
		return WorkflowReplies{}, fmt.Errorf("listing the reply surveys of workflow %q: %w", workflowID, err)
	}
	for _, id := range ids {
		out.ByReply[id] = true
	}
	if err := s.db.SelectContext(ctx, &out.Replies, `SELECT `+inboundColumnsOf("m")+`
		FROM inbound_messages m JOIN surveys s ON s.id = m.survey_id
		WHERE s.workflow_id = $1 ORDER BY m.received_at, m.message_sid`, workflowID); err != nil {
		return WorkflowReplies{}, fmt.Errorf("listing the replies to the surveys of workflow %q: %w", workflowID, err)
	}
	return out, nil
}

// inboundColumnsOf is inboundColumns of the table aliased as alias.
func inboundColumnsOf(alias string) string {
	p := alias + "."
	return p + "message_sid, " + p + "idempotency_token, " + p + "channel, " + p + "from_hash, " + p + "from_address, " +
		p + "to_address, " + p + "body, " + p + "action, " + p + "keyword, " + p + "survey_id, " + p + "received_at"
}
