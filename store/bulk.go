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

// The bulk path fills the store with many runs at once (the benchmark's
// million answers) faster than the writes of a live system can: the rows
// are copied in with COPY, and their result facts are then made from them
// in the same transaction by the derivation the results migration uses
// for rows that existed before it, which counts what the live writes
// count (store tests compare both with the raw rows). The facts are
// folded as the live ones are.

// BulkRun is one run with what it sent and what its customer answered.
type BulkRun struct {
	Run      Run
	Messages []BulkMessage
	Survey   *BulkSurvey
}

// BulkMessage is one message of a run. Status is sent, failed or skipped
// (ReasonCode why), or held (still waiting); HeldAt is when it was first
// held, if it ever was. SMSStatus is Twilio's last report of a sent SMS.
type BulkMessage struct {
	StepID, Channel, Status, ReasonCode string
	Survey                              bool
	CreatedAt                           time.Time
	SentAt, HeldAt                      *time.Time
	SMSStatus                           string
}

// BulkSurvey is the run's survey, sent by its message of the same step.
type BulkSurvey struct {
	StepID, Scale, Channel string
	CreatedAt              time.Time
	SentAt, DeliveredAt    *time.Time
	Answer                 *BulkAnswer
}

// BulkAnswer is a survey's answer.
type BulkAnswer struct {
	Score      int
	Comment    string
	Late       bool
	AnsweredAt time.Time
}

// BulkLoad writes runs, their deliveries, Twilio's reports, surveys and
// answers, and their result facts, in one transaction.
func (s *Store) BulkLoad(ctx context.Context, runs []BulkRun) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE bulk_runs (workflow_id text PRIMARY KEY) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		copies := []struct {
			table string
			cols  []string
			rows  func(emit func(...any) error) error
		}{
			{"bulk_runs", []string{"workflow_id"}, func(emit func(...any) error) error {
				for _, r := range runs {
					if err := emit(r.Run.WorkflowID); err != nil {
						return err
					}
				}
				return nil
			}},
			{"runs", []string{"workflow_id", "run_id", "entry_id", "entry_version", "interaction_id", "trigger", "started_at",
				"claimed_at", "customer_id", "service", "agent_id", "disposition", "channel", "interaction_ended_at", "variant",
				"status", "reason", "ended_at"}, func(emit func(...any) error) error {
				for _, b := range runs {
					r := b.Run
					if err := emit(r.WorkflowID, r.RunID, r.EntryID, r.EntryVersion, r.InteractionID, r.Trigger, r.StartedAt,
						r.StartedAt, r.CustomerID, r.Service, r.AgentID, r.Disposition, r.Channel, nullTime(r.InteractionEndedAt),
						r.Variant, r.Status, r.Reason, nullTime(r.EndedAt)); err != nil {
						return err
					}
				}
				return nil
			}},
			{"deliveries", []string{"key", "workflow_id", "step_id", "channel", "recipient", "status", "provider_id", "created_at",
				"updated_at", "sent_at", "customer_key", "entry_id", "survey", "address_hash", "decision", "reason_code", "reason",
				"decided_at", "held_at"}, func(emit func(...any) error) error {
				for _, b := range runs {
					for _, m := range b.Messages {
						key := b.Run.WorkflowID + "/" + m.StepID
						decision := "send"
						if m.Status == DeliverySkipped || m.Status == DeliveryHeld {
							decision = m.Status
						}
						if err := emit(key, b.Run.WorkflowID, m.StepID, m.Channel, "bulk:"+key, m.Status, providerID(key, m),
							m.CreatedAt, m.CreatedAt, nullTime(m.SentAt), b.Run.CustomerID, b.Run.EntryID, m.Survey, key, decision,
							m.ReasonCode, m.ReasonCode, m.CreatedAt, nullTime(m.HeldAt)); err != nil {
							return err
						}
					}
				}
				return nil
			}},
			{"sms_statuses", []string{"provider_id", "status", "updated_at", "counted"}, func(emit func(...any) error) error {
				for _, b := range runs {
					for _, m := range b.Messages {
						if m.SMSStatus == "" || m.SentAt == nil {
							continue
						}
						if err := emit(providerID(b.Run.WorkflowID+"/"+m.StepID, m), m.SMSStatus, m.SentAt.Add(time.Minute),
							smsClassOf(m.SMSStatus)); err != nil {
							return err
						}
					}
				}
				return nil
			}},
			{"surveys", []string{"id", "token_id", "workflow_id", "run_id", "step_id", "entry_id", "interaction_id", "channel",
				"question", "wait_until", "expires_at", "created_at", "entry_version", "scale", "sent_at", "delivered_at", "answered_at"},
				func(emit func(...any) error) error {
					for _, b := range runs {
						sv := b.Survey
						if sv == nil {
							continue
						}
						id := b.Run.WorkflowID + "/" + sv.StepID
						var answered sql.NullTime
						if sv.Answer != nil {
							answered = sql.NullTime{Time: sv.Answer.AnsweredAt, Valid: true}
						}
						if err := emit(id, "bulk-"+id, b.Run.WorkflowID, b.Run.RunID, sv.StepID, b.Run.EntryID, b.Run.InteractionID,
							sv.Channel, "How did we do?", sv.CreatedAt.Add(24*time.Hour), sv.CreatedAt.Add(48*time.Hour), sv.CreatedAt,
							b.Run.EntryVersion, sv.Scale, nullTime(sv.SentAt), nullTime(sv.DeliveredAt), answered); err != nil {
							return err
						}
					}
					return nil
				}},
			{"survey_answers", []string{"survey_id", "score", "comment", "delivered", "answered_at", "scale", "entry_id", "service", "agent_id"},
				func(emit func(...any) error) error {
					for _, b := range runs {
						if b.Survey == nil || b.Survey.Answer == nil {
							continue
						}
						a := b.Survey.Answer
						if err := emit(b.Run.WorkflowID+"/"+b.Survey.StepID, a.Score, a.Comment, !a.Late, a.AnsweredAt, b.Survey.Scale,
							b.Run.EntryID, b.Run.Service, b.Run.AgentID); err != nil {
							return err
						}
					}
					return nil
				}},
		}
		for _, c := range copies {
			if err := copyIn(ctx, tx, c.table, c.cols, c.rows); err != nil {
				return fmt.Errorf("bulk load of %s: %w", c.table, err)
			}
		}
		if s.keepsResults() {
			if _, err := tx.ExecContext(ctx, bulkFactsSQL); err != nil {
				return fmt.Errorf("bulk load: counting the facts: %w", err)
			}
		}
		return nil
	})
}

func providerID(key string, m BulkMessage) string {
	if m.SentAt == nil {
		return ""
	}
	return "BULK" + key
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

// copyIn copies the rows rows emits into table's cols.
func copyIn(ctx context.Context, tx *sqlx.Tx, table string, cols []string, rows func(emit func(...any) error) error) error {
	stmt, err := tx.PrepareContext(ctx, "COPY "+table+" ("+strings.Join(cols, ", ")+") FROM STDIN") //nolint:sqlclosecheck // closed below, its error joined
	if err != nil {
		return err
	}
	err = rows(func(values ...any) error {
		_, err := stmt.ExecContext(ctx, values...)
		return err
	})
	if err == nil {
		_, err = stmt.ExecContext(ctx) // ends the copy
	}
	return errors.Join(err, stmt.Close())
}

// bulkFactsSQL counts the facts of the runs in bulk_runs: the results
// migration's derivation, with every dimension of the runs.
var bulkFactsSQL = factsStatement(`
	SELECT r.started_at, 'run', 1, r.entry_id, r.service, r.agent_id, r.disposition, r.channel, r.variant, '', '', NULL::smallint, NULL::integer
	FROM runs r JOIN bulk_runs USING (workflow_id)
	UNION ALL
	SELECT d.created_at, k.kind, 1, r.entry_id, r.service, r.agent_id, r.disposition, r.channel, r.variant, '', k.reason, NULL, NULL
	FROM deliveries d JOIN bulk_runs USING (workflow_id) JOIN runs r USING (workflow_id)
	LEFT JOIN sms_statuses st ON st.provider_id = d.provider_id AND d.provider_id <> '' AND d.status = 'sent'
	CROSS JOIN LATERAL (VALUES
		(CASE d.status WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' WHEN 'skipped' THEN 'skipped' END,
			CASE WHEN d.status = 'skipped' THEN d.reason_code ELSE '' END),
		(CASE WHEN d.held_at IS NOT NULL THEN 'held' END, ''),
		(` + "CASE WHEN st.status IN ('delivered', 'read') THEN 'delivered' WHEN st.status IN ('undelivered', 'failed') THEN 'failed' END" + `, '')
	) AS k(kind, reason)
	WHERE k.kind IS NOT NULL
	UNION ALL
	SELECT s.created_at, 'survey_sent', 1, r.entry_id, r.service, r.agent_id, r.disposition, r.channel, r.variant, s.scale, '', NULL, NULL
	FROM surveys s JOIN bulk_runs USING (workflow_id) JOIN runs r USING (workflow_id)
	WHERE s.sent_at IS NOT NULL
	UNION ALL
	SELECT s.created_at, 'answered', 1, r.entry_id, r.service, r.agent_id, r.disposition, r.channel, r.variant, s.scale, '', a.score,
		CASE WHEN s.sent_at IS NOT NULL THEN ` + "GREATEST(0, floor(extract(epoch FROM a.answered_at - s.sent_at) / 60))::integer" + ` END
	FROM survey_answers a JOIN surveys s ON s.id = a.survey_id JOIN bulk_runs USING (workflow_id) JOIN runs r USING (workflow_id)`)
