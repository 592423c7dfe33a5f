package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// The run records how it ended, as its last act, whatever the end: what
// GET /v1/runs and the results show of it.
func TestRunRecordsItsEnd(t *testing.T) {
	t.Run("completed", func(t *testing.T) {
		h := newHarness(t)
		h.complete(input(entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1h"}}))
		require.Len(t, h.ends, 1)
		end := h.ends[0]
		require.Equal(t, workflowID, end.WorkflowID)
		require.NotEmpty(t, end.RunID)
		require.Equal(t, workflows.StatusCompleted, end.Status)
		require.Empty(t, end.Reason)
		require.True(t, start.Add(time.Hour).Equal(end.EndedAt), "ended by the run's clock, after its wait")
	})
	t.Run("failed, naming the step and not its cause", func(t *testing.T) {
		h := newHarness(t)
		h.failures["mail"] = []error{temporal.NewNonRetryableApplicationError("550 mailbox of ada@example.com unavailable", "SMTPRejected", nil)}
		err := h.run(input(entry.Step{ID: "mail", Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello")}}))
		require.Error(t, err)
		require.Len(t, h.ends, 1)
		require.Equal(t, workflows.StatusFailed, h.ends[0].Status)
		require.Equal(t, `step "mail" (send_email) failed`, h.ends[0].Reason)
	})
	t.Run("canceled", func(t *testing.T) {
		h := newHarness(t)
		h.at(time.Minute, func() {
			h.env.SignalWorkflow(workflows.CancelRequestSignal, workflows.CancelRequest{By: "api", Reason: "customer asked"})
			h.env.CancelWorkflow()
		})
		err := h.run(input(entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}))
		require.Error(t, err)
		require.Len(t, h.ends, 1, "a canceled run records its end on a context of its own")
		require.Equal(t, workflows.StatusCanceled, h.ends[0].Status)
		require.Equal(t, "canceled by api: customer asked", h.ends[0].Reason)
	})
}
