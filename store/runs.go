package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Run records one started workflow: which entry version an event started,
// kept beyond the Temporal namespace's retention.
type Run struct {
	WorkflowID    string    `db:"workflow_id"`
	RunID         string    `db:"run_id"`
	EntryID       string    `db:"entry_id"`
	EntryVersion  int       `db:"entry_version"`
	InteractionID string    `db:"interaction_id"`
	Trigger       string    `db:"trigger"`
	StartedAt     time.Time `db:"started_at"`
	// CustomerID and CancelOnNewInteraction let ingest find the runs a
	// customer's new interaction stops (RunsToStop).
	CustomerID             string `db:"customer_id"`
	CancelOnNewInteraction bool   `db:"cancel_on_new_interaction"`
}

// RecordRun stores r. The first record of a workflow ID wins: recording it
// again, as a retried event does, changes nothing. A zero StartedAt means now.
func (s *Store) RecordRun(ctx context.Context, r Run) error {
	startedAt := sql.NullTime{Time: r.StartedAt, Valid: !r.StartedAt.IsZero()}
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO runs (workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at,
		                   customer_id, cancel_on_new_interaction)
		 VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, now()), $8, $9)
		 ON CONFLICT (workflow_id) DO NOTHING`,
		r.WorkflowID, r.RunID, r.EntryID, r.EntryVersion, r.InteractionID, r.Trigger, startedAt,
		r.CustomerID, r.CancelOnNewInteraction); err != nil {
		return fmt.Errorf("recording run %q: %w", r.WorkflowID, err)
	}
	return nil
}

// Run returns the run recorded for workflowID, or ErrNotFound.
func (s *Store) Run(ctx context.Context, workflowID string) (Run, error) {
	var r Run
	err := s.db.GetContext(ctx, &r,
		`SELECT workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at,
		        customer_id, cancel_on_new_interaction
		 FROM runs WHERE workflow_id = $1`, workflowID)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("run %q: %w", workflowID, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("reading run %q: %w", workflowID, err)
	}
	return r, nil
}
