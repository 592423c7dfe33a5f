package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// updateTimeout bounds the wait for the run to take an update, which needs
// a worker: without one the caller hears so rather than waiting on.
const updateTimeout = 10 * time.Second

// clearedEvent is the answer of DELETE /v1/workflows/{id}/events/{name}.
type clearedEvent struct {
	WorkflowID string `json:"workflow_id"`
	Event      string `json:"event"`
	// WasPending is false when no event of that name was pending (never
	// scheduled, fired or cleared already): the call changed nothing.
	WasPending bool `json:"was_pending"`
}

// clearEvent clears a scheduled event of a running workflow through an
// update, so the caller learns whether the event was still pending.
func (s *server) clearEvent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, name := workflowID(r), r.PathValue("name")
	runID, err := s.runningWorkflow(ctx, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	result, err := usecase.SendClearEvent(ctx, s.Temporal, id, runID, workflows.ClearEvent{Name: name, By: byAPI})
	var (
		rejected *temporal.ApplicationError
		notFound *serviceerror.NotFound
		deadline *serviceerror.DeadlineExceeded
	)
	switch {
	case errors.As(err, &rejected) && rejected.Type() == workflows.ErrInvalidClearEvent:
		return &apiError{Status: http.StatusBadRequest, Code: codeInvalidField, Field: "name", Message: rejected.Message(), cause: err}
	case errors.As(err, &notFound):
		// The run ended between the status check and the update.
		return errNotRunning(id, "it has ended")
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline):
		// Temporal keeps the update for the run's next workflow task, so
		// it may still apply; clearing again is harmless either way.
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
			Message: fmt.Sprintf("workflow %q did not take the update within %s (is a worker running?); "+
				"it may still take it, and clearing again is harmless", id, updateTimeout),
			cause: err}
	case err != nil:
		return fmt.Errorf("clearing event %q of workflow %s: %w", name, id, err)
	}
	writeJSON(w, http.StatusOK, clearedEvent{WorkflowID: id, Event: name, WasPending: result.WasPending})
	return nil
}
