package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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
	AnsweredAt sql.NullTime   `db:"answered_at"`
}

func (r surveyRow) survey() Survey {
	sv := r.Survey
	if r.AnsweredAt.Valid {
		sv.Answer = &SurveyAnswer{
			Score:      int(r.Score.Int64),
			Comment:    r.Comment.String,
			Delivered:  r.Delivered.Bool,
			AnsweredAt: r.AnsweredAt.Time,
		}
	}
	return sv
}

const surveySelect = `
	SELECT s.id, s.token_id, s.workflow_id, s.run_id, s.step_id, s.entry_id, s.interaction_id,
		s.channel, s.question, s.wait_until, s.expires_at, s.created_at, s.language, s.service,
		a.score, a.comment, a.delivered, a.answered_at
	FROM surveys s LEFT JOIN survey_answers a ON a.survey_id = s.id`

// CreateSurvey records a survey. It is idempotent on the survey's ID: when one
// exists it is returned as it is, with its original token id, so a retried
// activity hands out the same link.
func (s *Store) CreateSurvey(ctx context.Context, sv Survey) (Survey, error) {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO surveys (id, token_id, workflow_id, run_id, step_id, entry_id, interaction_id,
			channel, question, wait_until, expires_at, language, service)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO NOTHING`,
		sv.ID, sv.TokenID, sv.WorkflowID, sv.RunID, sv.StepID, sv.EntryID, sv.InteractionID,
		sv.Channel, sv.Question, sv.WaitUntil, sv.ExpiresAt, sv.Language, sv.Service)
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
// stays. An unknown survey is ErrNotFound.
//
// It takes no lock, and its transaction lasts the insert and the
// survey.answered event the stored answer writes: whoever decides which
// answer counts (the run, through an update that runs once per survey)
// has decided before this is called, so writers racing here either carry
// the same answer or are late ones of which the first is kept.
func (s *Store) RecordSurveyAnswer(ctx context.Context, surveyID string, a SurveyAnswer) (SurveyAnswer, bool, error) {
	var stored SurveyAnswer
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, `
			INSERT INTO survey_answers (survey_id, score, comment, delivered)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (survey_id) DO NOTHING
			RETURNING score, comment, delivered, answered_at`,
			surveyID, a.Score, a.Comment, a.Delivered).Scan(&stored.Score, &stored.Comment, &stored.Delivered, &stored.AnsweredAt); err != nil {
			return err
		}
		return surveyAnsweredTx(ctx, tx, surveyID, stored)
	})
	switch {
	case err == nil:
		return stored, true, nil
	case isForeignKeyViolation(err):
		return SurveyAnswer{}, false, fmt.Errorf("recording the answer to survey %q: %w", surveyID, ErrNotFound)
	case !errors.Is(err, sql.ErrNoRows):
		return SurveyAnswer{}, false, fmt.Errorf("recording the answer to survey %q: %w", surveyID, err)
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

// isForeignKeyViolation reports whether err is PostgreSQL refusing a row
// whose reference names nothing.
func isForeignKeyViolation(err error) bool {
	pqErr, ok := errors.AsType[*pq.Error](err)
	return ok && pqErr.Code == "23503"
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
// stored for surveyID, in its transaction.
//
// The run record does not hold the interaction's agent, service,
// disposition and channel yet, nor the survey its scale: those fields are
// sent empty (the scale as the only one there is, 1-5) until they are
// recorded (issue 16's results add them to runs and surveys).
func surveyAnsweredTx(ctx context.Context, tx *sqlx.Tx, surveyID string, a SurveyAnswer) error {
	var row struct {
		WorkflowID    string         `db:"workflow_id"`
		EntryID       string         `db:"entry_id"`
		StepID        string         `db:"step_id"`
		InteractionID string         `db:"interaction_id"`
		Channel       string         `db:"channel"`
		EntryVersion  sql.NullInt64  `db:"entry_version"`
		CustomerID    sql.NullString `db:"customer_id"`
	}
	if err := tx.GetContext(ctx, &row, `
		SELECT s.workflow_id, s.entry_id, s.step_id, s.interaction_id, s.channel, r.entry_version, r.customer_id
		FROM surveys s LEFT JOIN runs r ON r.workflow_id = s.workflow_id
		WHERE s.id = $1`, surveyID); err != nil {
		return fmt.Errorf("reading survey %q for its survey.answered event: %w", surveyID, err)
	}
	_, err := enqueueWebhookEvent(ctx, tx, webhook.NewSurveyAnswered(webhook.SurveyAnsweredData{
		SurveyID: surveyID, WorkflowID: row.WorkflowID, EntryID: row.EntryID, EntryVersion: int(row.EntryVersion.Int64),
		StepID: row.StepID, InteractionID: row.InteractionID, CustomerID: row.CustomerID.String,
		SurveyChannel: row.Channel, Scale: "1-5", Score: a.Score, Comment: a.Comment, AnsweredAt: a.AnsweredAt, Late: !a.Delivered,
	}))
	return err
}
