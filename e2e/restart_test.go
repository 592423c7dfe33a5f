//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
)

// pauseFor is the durable wait the restarts happen in: long enough to stop
// everything and start it again, short enough for a test.
const pauseFor = 8 * time.Second

func TestATimerSurvivesRestartsOfTheWorkerTheStarterAndTheTemporalServer(t *testing.T) {
	temporal := startTemporalServer(t)
	// The processes and the test's own client all use this server.
	t.Setenv("TEMPORAL_ADDRESS", temporal.address)
	t.Setenv("TEMPORAL_NAMESPACE", "default")
	s := startSystem(t)
	entry := seedEntry()
	entry["steps"] = []any{
		map[string]any{"id": "before", "type": "send_email", "subject": "before", "text": "Before the wait"},
		map[string]any{"id": "pause", "type": "wait", "duration": pauseFor.String()},
		map[string]any{"id": "after", "type": "send_email", "subject": "after", "text": "After the wait"},
	}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", entry, nil))
	id := interactionID("INT-5005")
	workflowID := "post-call-survey/" + id
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), nil))
	require.Equal(t, "before", s.smtp.WaitForMessages(t, 1, 30*time.Second)[0].Subject)
	waitStarted := s.timerStarted(workflowID, 30*time.Second)

	s.worker.stop(syscall.SIGKILL) // a crash
	s.starter.stop(syscall.SIGTERM)
	temporal.stop()
	require.Less(t, time.Since(waitStarted), pauseFor, "everything must be down while the run waits")
	require.Len(t, s.smtp.Messages(), 1)

	temporal.start()
	s.worker = runProcess(t, "worker", s.env)
	s.starter = runProcess(t, "starter", s.env)
	s.waitHealthy()

	after := s.smtp.WaitForMessages(t, 2, 30*time.Second)[1]
	require.Equal(t, "after", after.Subject)
	require.False(t, after.Received.Before(waitStarted.Add(pauseFor)),
		"the email after the wait arrived at %s, before the timer started at %s could fire", after.Received, waitStarted)
	run := s.waitForRun(workflowID, "completed", 30*time.Second)
	var steps []any
	for _, m := range run["messages"].([]any) {
		steps = append(steps, m.(map[string]any)["step_id"])
	}
	require.Equal(t, []any{"before", "after"}, steps)
	require.Len(t, s.smtp.Messages(), 2, "each email was sent once")
}

// timerStarted waits until the run's history holds a started timer and
// returns when the server started it.
func (s *system) timerStarted(workflowID string, timeout time.Duration) time.Time {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			event, err := iter.Next()
			require.NoError(s.t, err)
			if event.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED {
				return event.GetEventTime().AsTime()
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("run %s started no timer within %s", workflowID, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
