package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccflow/ccflow/core/webhook"
)

// RunEnd is how a run ended, as the run itself reports it at its end.
type RunEnd struct {
	WorkflowID, RunID string
	// Status is RunCompleted, RunFailed or RunCanceled; Reason says why in
	// words that name no customer.
	Status  string
	Reason  string
	EndedAt time.Time
}

// RecordRunEnd records e in the run's record, in one transaction, and
// returns the record as it now is and whether this call recorded the end:
// recording it again (a retried activity) changes nothing and reports
// false. A run without a record (started outside ingest) is ErrNotFound.
// The end is the run's last change, and its run.completed webhook event
// is written in the same transaction, once.
func (s *Store) RecordRunEnd(ctx context.Context, e RunEnd) (Run, bool, error) {
	var (
		r     Run
		ended bool
	)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		r, ended, err = recordRunEnd(ctx, tx, e)
		return err
	})
	return r, ended, err
}

// recordRunEnd is RecordRunEnd inside tx.
func recordRunEnd(ctx context.Context, tx *sqlx.Tx, e RunEnd) (Run, bool, error) {
	switch e.Status {
	case RunCompleted, RunFailed, RunCanceled:
	default:
		return Run{}, false, fmt.Errorf("recording the end of run %s: %q is not how a run ends", e.WorkflowID, e.Status)
	}
	var r Run
	// A run that ends before ingest confirmed its claim fills the run ID
	// in itself, so the reconciler never takes it for a run that never
	// started.
	err := tx.GetContext(ctx, &r, `
		UPDATE runs SET status = $3, reason = $4, ended_at = $5,
			run_id = CASE WHEN run_id = '' THEN $2 ELSE run_id END
		WHERE workflow_id = $1 AND ended_at IS NULL
		RETURNING `+runColumns, e.WorkflowID, e.RunID, e.Status, e.Reason, e.EndedAt)
	if err == nil {
		_, err = enqueueWebhookEvent(ctx, tx, webhook.NewRunCompleted(webhook.RunCompletedData{
			WorkflowID: r.WorkflowID, RunID: r.RunID, EntryID: r.EntryID, EntryVersion: r.EntryVersion,
			InteractionID: r.InteractionID, CustomerID: r.CustomerID, Status: r.Status, Reason: r.Reason,
			StartedAt: r.StartedAt, EndedAt: e.EndedAt,
		}))
		if err != nil {
			return Run{}, false, fmt.Errorf("writing the run.completed event of run %s: %w", e.WorkflowID, err)
		}
		return r, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, fmt.Errorf("recording the end of run %s: %w", e.WorkflowID, err)
	}
	err = tx.GetContext(ctx, &r, `SELECT `+runColumns+` FROM runs WHERE workflow_id = $1`, e.WorkflowID)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, fmt.Errorf("recording the end of run %s: %w", e.WorkflowID, ErrNotFound)
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("reading run %s: %w", e.WorkflowID, err)
	}
	return r, false, nil
}
