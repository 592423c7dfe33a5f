package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Errors of answering a survey.
var (
	ErrAlreadyAnswered = errors.New("survey already answered")
	ErrExpired         = errors.New("survey expired")
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
		s.channel, s.question, s.wait_until, s.expires_at, s.created_at,
		a.score, a.comment, a.delivered, a.answered_at
	FROM surveys s LEFT JOIN survey_answers a ON a.survey_id = s.id`

// CreateSurvey records a survey. It is idempotent on the survey's ID: when one
// exists it is returned as it is, with its original token id, so a retried
// activity hands out the same link.
func (s *Store) CreateSurvey(ctx context.Context, sv Survey) (Survey, error) {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO surveys (id, token_id, workflow_id, run_id, step_id, entry_id, interaction_id,
			channel, question, wait_until, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO NOTHING`,
		sv.ID, sv.TokenID, sv.WorkflowID, sv.RunID, sv.StepID, sv.EntryID, sv.InteractionID,
		sv.Channel, sv.Question, sv.WaitUntil, sv.ExpiresAt)
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

// answerTxTimeout bounds the transaction of AnswerSurvey, which outlives
// the caller's context (see there).
const answerTxTimeout = 30 * time.Second

// AnswerSurvey hands a customer's answer to the waiting workflow through
// deliver and records what deliver says was answered, all under a lock on
// the survey row so two answers racing each other cannot both be delivered.
//
// deliver returns the answer to record: the one the workflow accepted
// (Delivered true), or the customer's own when the workflow had stopped
// waiting (Delivered false: kept as a late answer). When deliver fails
// nothing is stored and its error is returned wrapped, so the customer can
// try again. A survey answered before is ErrAlreadyAnswered; one past its
// expiry is ErrExpired.
//
// deliver runs under ctx; the transaction does not: once the workflow has
// the answer, its record is written even if the caller's deadline passes.
func (s *Store) AnswerSurvey(ctx context.Context, surveyID string,
	deliver func(ctx context.Context, sv Survey) (SurveyAnswer, error),
) (Survey, error) {
	txCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTxTimeout)
	defer cancel()
	var answered Survey
	err := s.inTx(txCtx, func(tx *sqlx.Tx) error {
		// Lock first, read after: under READ COMMITTED a statement that waited
		// for the lock still joins the answer from its own older snapshot, so
		// reading in the locking statement would miss an answer committed
		// while it waited and hand the survey over twice.
		if err := lockSurvey(txCtx, tx, surveyID); err != nil {
			return err
		}
		sv, err := getSurvey(txCtx, tx, "id", surveyID)
		if err != nil {
			return err
		}
		if sv.Answer != nil {
			return fmt.Errorf("answering survey %q: %w", surveyID, ErrAlreadyAnswered)
		}
		if time.Now().After(sv.ExpiresAt) {
			return fmt.Errorf("answering survey %q (expired %s): %w", surveyID, sv.ExpiresAt.UTC().Format(time.RFC3339), ErrExpired)
		}
		given, err := deliver(ctx, sv)
		if err != nil {
			return fmt.Errorf("handing the answer to survey %q to workflow %q: %w", surveyID, sv.WorkflowID, err)
		}
		var a SurveyAnswer
		err = tx.QueryRowxContext(txCtx, `
			INSERT INTO survey_answers (survey_id, score, comment, delivered)
			VALUES ($1, $2, $3, $4)
			RETURNING score, comment, delivered, answered_at`,
			surveyID, given.Score, given.Comment, given.Delivered).Scan(&a.Score, &a.Comment, &a.Delivered, &a.AnsweredAt)
		if err != nil {
			return fmt.Errorf("recording the answer to survey %q: %w", surveyID, err)
		}
		sv.Answer = &a
		answered = sv
		return nil
	})
	if err != nil {
		return Survey{}, err
	}
	return answered, nil
}

// lockSurvey locks a survey's row for the rest of the transaction.
func lockSurvey(ctx context.Context, tx *sqlx.Tx, surveyID string) error {
	var id string
	err := tx.GetContext(ctx, &id, `SELECT id FROM surveys WHERE id = $1 FOR UPDATE`, surveyID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading survey with id %q: %w", surveyID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("locking survey %q: %w", surveyID, err)
	}
	return nil
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
