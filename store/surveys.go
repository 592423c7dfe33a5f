package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/webhook"
)

// Survey is a survey opened by a send_survey step. TokenID is the random
// public part of the signed token in the customer's link.
type Survey struct {
	ID            string    `db:"id"`
	TokenID       string    `db:"token_id"`
	WorkflowID    string    `db:"workflow_id"`
	RunID         string    `db:"run_id"`
	StepID        string    `db:"step_id"`
	EntryID       string    `db:"entry_id"`
	InteractionID string    `db:"interaction_id"`
	Channel       string    `db:"channel"`
	Question      string    `db:"question"`
	WaitUntil     time.Time `db:"wait_until"`
	ExpiresAt     time.Time `db:"expires_at"`
	CreatedAt     time.Time `db:"created_at"`
	// EntryVersion is the version of the entry the run started with;
	// Scale the rating scale ("1-5" or "0-10").
	EntryVersion int    `db:"entry_version"`
	Scale        string `db:"scale"`
	// SentAt is when the link's message was sent, DeliveredAt when the
	// provider reported it delivered (SMS only), AnsweredAt when the
	// answer was stored, late answers included.
	SentAt      *time.Time `db:"sent_at"`
	DeliveredAt *time.Time `db:"delivered_at"`
	AnsweredAt  *time.Time `db:"answered_at"`
	// Language is the run's language, which the survey page speaks, and
	// Service the run's, whose brand it shows; "" for surveys opened
	// before they were kept.
	Language string `db:"language"`
	Service  string `db:"service"`
	// Answer is nil until the customer answers.
	Answer *SurveyAnswer `db:"-"`
}

// SurveyAnswer is a customer's answer. Delivered is false when it came after
// the workflow had stopped waiting for it.
type SurveyAnswer struct {
	Score      int
	Comment    string
	Delivered  bool
	AnsweredAt time.Time
}

// surveyRow is a survey joined with its answer, whose columns are NULL while
// it is unanswered.
type surveyRow struct {
	Survey
	Score      sql.NullInt64  `db:"score"`
	Comment    sql.NullString `db:"comment"`
	Delivered  sql.NullBool   `db:"delivered"`
	AnswerTime sql.NullTime   `db:"answer_time"`
}

func (r surveyRow) survey() Survey {
	sv := r.Survey
	if r.AnswerTime.Valid {
		sv.Answer = &SurveyAnswer{
			Score:      int(r.Score.Int64),
			Comment:    r.Comment.String,
			Delivered:  r.Delivered.Bool,
			AnsweredAt: r.AnswerTime.Time,
		}
	}
	return sv
}

const surveySelect = `
	SELECT s.id, s.token_id, s.workflow_id, s.run_id, s.step_id, s.entry_id, s.interaction_id,
		s.channel, s.question, s.wait_until, s.expires_at, s.created_at, s.language, s.service,
		s.entry_version, s.scale, s.sent_at, s.delivered_at, s.answered_at,
		a.score, a.comment, a.delivered, a.answered_at AS answer_time
	FROM surveys s LEFT JOIN survey_answers a ON a.survey_id = s.id`

// CreateSurvey records a survey. It is idempotent on the survey's ID: when one
// exists it is returned as it is, with its original token id, so a retried
// activity hands out the same link.
func (s *Store) CreateSurvey(ctx context.Context, sv Survey) (Survey, error) {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO surveys (id, token_id, workflow_id, run_id, step_id, entry_id, interaction_id,
			channel, question, wait_until, expires_at, entry_version, scale, created_at, language, service)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, COALESCE($14, now()), $15, $16)
		ON CONFLICT (id) DO NOTHING`,
		sv.ID, sv.TokenID, sv.WorkflowID, sv.RunID, sv.StepID, sv.EntryID, sv.InteractionID,
		sv.Channel, sv.Question, sv.WaitUntil, sv.ExpiresAt, sv.EntryVersion, string(scale.Of(sv.Scale)), s.stamp(),
		sv.Language, sv.Service)
	if err != nil {
		return Survey{}, fmt.Errorf("recording survey %q: %w", sv.ID, err)
	}
	return getSurvey(ctx, s.db, "id", sv.ID)
}

// SurveyByToken finds the survey whose link carries tokenID, with its answer
// when it has one. An unknown token is ErrNotFound.
func (s *Store) SurveyByToken(ctx context.Context, tokenID string) (Survey, error) {
	return getSurvey(ctx, s.db, "token_id", tokenID)
}

// SurveysForWorkflow lists a workflow's surveys with their answers, oldest first.
func (s *Store) SurveysForWorkflow(ctx context.Context, workflowID string) ([]Survey, error) {
	var rows []surveyRow
	err := s.db.SelectContext(ctx, &rows, surveySelect+` WHERE s.workflow_id = $1 ORDER BY s.created_at, s.id`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("listing surveys of workflow %q: %w", workflowID, err)
	}
	list := make([]Survey, len(rows))
	for i, r := range rows {
		list[i] = r.survey()
	}
	return list, nil
}

// RecordSurveyAnswer stores a as the answer to survey surveyID unless the
// survey has an answer already, and returns the answer stored and whether
// this call stored it. Calling it again is harmless: the first answer
// stays. An unknown survey is ErrNotFound. The score must be on the
// survey's scale (the caller checks it first; PostgreSQL refuses it too).
//
// The answer is stored in one transaction with what it counts (an answer,
// its score and, when the survey's link is known to have been sent, its
// minutes to answer), the survey's answering time and its survey.answered
// webhook event.
//
// It holds no transaction open longer than that write: whoever decides
// which answer counts (the run, through an update that runs once per
// survey) has decided before this is called, so writers racing here
// either carry the same answer or are late ones of which the first is
// kept.
func (s *Store) RecordSurveyAnswer(ctx context.Context, surveyID string, a SurveyAnswer) (SurveyAnswer, bool, error) {
	var (
		stored   SurveyAnswer
		inserted bool
	)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		stored, inserted, err = s.recordSurveyAnswer(ctx, tx, surveyID, a)
		if err != nil || !inserted {
			return err
		}
		return surveyAnsweredTx(ctx, tx, surveyID, stored)
	})
	if err != nil || inserted {
		return stored, inserted, err
	}
	// The survey had an answer. Read it in a statement of its own: the
	// INSERT's snapshot may predate a racing writer's commit that its
	// conflict check waited for, and a SELECT in the same statement would
	// not see that row.
	err = s.db.QueryRowxContext(ctx,
		`SELECT score, comment, delivered, answered_at FROM survey_answers WHERE survey_id = $1`,
		surveyID).Scan(&stored.Score, &stored.Comment, &stored.Delivered, &stored.AnsweredAt)
	if err != nil {
		return SurveyAnswer{}, false, fmt.Errorf("reading the answer stored for survey %q: %w", surveyID, err)
	}
	return stored, false, nil
}

// recordSurveyAnswer is RecordSurveyAnswer's write, in tx: the answer,
// with the dimensions the answers list filters by; the survey's answering
// time, whose update waits for a send being recorded (MarkDelivered) and
// then sees its time; and the answer's facts.
func (s *Store) recordSurveyAnswer(ctx context.Context, tx *sqlx.Tx, surveyID string, a SurveyAnswer) (SurveyAnswer, bool, error) {
	var row struct {
		Known bool           `db:"known"`
		Score sql.NullInt64  `db:"score"`
		Text  sql.NullString `db:"comment"`
		Late  sql.NullBool   `db:"delivered"`
		At    sql.NullTime   `db:"answered_at"`
	}
	err := tx.GetContext(ctx, &row, `
		WITH sv AS (
			SELECT s.id, s.scale, s.entry_id, COALESCE(r.service, '') AS service, COALESCE(r.agent_id, '') AS agent_id
			FROM surveys s LEFT JOIN runs r ON r.workflow_id = s.workflow_id WHERE s.id = $1
		), answer AS (
			INSERT INTO survey_answers (survey_id, score, comment, delivered, answered_at, scale, entry_id, service, agent_id)
			SELECT id, $2, $3, $4, COALESCE($5, now()), scale, entry_id, service, agent_id FROM sv
			ON CONFLICT (survey_id) DO NOTHING
			RETURNING survey_id, score, comment, delivered, answered_at
		), survey AS (
			UPDATE surveys s SET answered_at = answer.answered_at FROM answer
			WHERE s.id = answer.survey_id AND s.answered_at IS NULL
			RETURNING s.workflow_id, s.entry_id, s.created_at, s.scale, s.sent_at, s.answered_at
		)`+s.factsCTE("counted", `
			SELECT survey.created_at, 'answered', 1, `+runDims("survey.entry_id")+`, survey.scale, '', answer.score,
				CASE WHEN survey.sent_at IS NOT NULL THEN `+minutesBetween("survey.sent_at", "survey.answered_at")+` END
			FROM answer, survey LEFT JOIN runs r ON r.workflow_id = survey.workflow_id`)+`
		SELECT EXISTS (SELECT 1 FROM sv) AS known, answer.score, answer.comment, answer.delivered, answer.answered_at
		FROM (SELECT 1) one LEFT JOIN answer ON true`,
		surveyID, a.Score, a.Comment, a.Delivered, s.stamp())
	switch {
	case err != nil:
		return SurveyAnswer{}, false, fmt.Errorf("recording the answer to survey %q: %w", surveyID, err)
	case !row.Known:
		return SurveyAnswer{}, false, fmt.Errorf("recording the answer to survey %q: %w", surveyID, ErrNotFound)
	case !row.At.Valid:
		return SurveyAnswer{}, false, nil
	}
	return SurveyAnswer{Score: int(row.Score.Int64), Comment: row.Text.String, Delivered: row.Late.Bool, AnsweredAt: row.At.Time}, true, nil
}

// getSurvey reads the survey whose column equals value, through q (the pool
// or a transaction).
func getSurvey(ctx context.Context, q sqlx.QueryerContext, column, value string) (Survey, error) {
	query := surveySelect + " WHERE s." + column + " = $1"
	var r surveyRow
	err := sqlx.GetContext(ctx, q, &r, query, value)
	if errors.Is(err, sql.ErrNoRows) {
		return Survey{}, fmt.Errorf("reading survey with %s %q: %w", column, value, ErrNotFound)
	}
	if err != nil {
		return Survey{}, fmt.Errorf("reading survey with %s %q: %w", column, value, err)
	}
	return r.survey(), nil
}

// surveyAnsweredTx writes the survey.answered event of the answer just
// stored for surveyID, in its transaction, with what the run record and
// the survey keep (the agent's id, never a name: see Run).
func surveyAnsweredTx(ctx context.Context, tx *sqlx.Tx, surveyID string, a SurveyAnswer) error {
	var row struct {
		WorkflowID    string         `db:"workflow_id"`
		EntryID       string         `db:"entry_id"`
		StepID        string         `db:"step_id"`
		InteractionID string         `db:"interaction_id"`
		SurveyChannel string         `db:"survey_channel"`
		Scale         string         `db:"scale"`
		EntryVersion  sql.NullInt64  `db:"entry_version"`
		CustomerID    sql.NullString `db:"customer_id"`
		AgentID       sql.NullString `db:"agent_id"`
		Service       sql.NullString `db:"service"`
		Disposition   sql.NullString `db:"disposition"`
		Channel       sql.NullString `db:"channel"`
	}
	if err := tx.GetContext(ctx, &row, `
		SELECT s.workflow_id, s.entry_id, s.step_id, s.interaction_id, s.channel AS survey_channel, s.scale,
			COALESCE(r.entry_version, s.entry_version) AS entry_version, r.customer_id,
			r.agent_id, COALESCE(NULLIF(r.service, ''), s.service) AS service, r.disposition, r.channel
		FROM surveys s LEFT JOIN runs r ON r.workflow_id = s.workflow_id
		WHERE s.id = $1`, surveyID); err != nil {
		return fmt.Errorf("reading survey %q for its survey.answered event: %w", surveyID, err)
	}
	_, err := enqueueWebhookEvent(ctx, tx, webhook.NewSurveyAnswered(webhook.SurveyAnsweredData{
		SurveyID: surveyID, WorkflowID: row.WorkflowID, EntryID: row.EntryID, EntryVersion: int(row.EntryVersion.Int64),
		StepID: row.StepID, InteractionID: row.InteractionID, CustomerID: row.CustomerID.String,
		Agent: row.AgentID.String, Service: row.Service.String, Disposition: row.Disposition.String, Channel: row.Channel.String,
		SurveyChannel: row.SurveyChannel, Scale: string(scale.Of(row.Scale)), Score: a.Score, Comment: a.Comment,
		AnsweredAt: a.AnsweredAt, Late: !a.Delivered,
	}))
	return err
}
