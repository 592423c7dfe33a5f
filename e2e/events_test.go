//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
)

// entryWithSteps is the seed entry with other steps.
func entryWithSteps(steps ...any) map[string]any {
	e := seedEntry()
	e["steps"] = steps
	return e
}

// checkInEvent schedules the event "check-in", due after the given time,
// whose one step texts the customer.
func checkInEvent(after string) map[string]any {
	return map[string]any{"id": "schedule-check-in", "type": "schedule_event", "name": "check-in", "after": after,
		"steps": []any{map[string]any{"id": "check-in-sms", "type": "send_sms", "text": "How is it going, $(customer.first_name)?"}}}
}

// startRun stores entry, posts a new interaction that matches it and
// returns the run's workflow ID.
func (s *system) startRun(entry map[string]any, prefix string) string {
	s.t.Helper()
	require.Equal(s.t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", entry, nil))
	return s.postEvent(prefix)
}

// postEvent posts a new interaction matching the seed entry and returns
// the workflow ID of the run it started.
func (s *system) postEvent(prefix string) string {
	s.t.Helper()
	var started ingestAnswer
	require.Equal(s.t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(interactionID(prefix)), &started))
	require.Len(s.t, started.Matches, 1)
	return started.Matches[0].WorkflowID
}

// waitForState polls GET /v1/workflows/{id} until holds is true of it.
func (s *system) waitForState(workflowID, what string, holds func(run map[string]any) bool) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var run map[string]any
		if s.call(http.MethodGet, "/v1/workflows/"+urlEscape(workflowID), nil, &run) == http.StatusOK && holds(run) {
			return run
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("run %s: %s did not happen within 30s; last state: %v", workflowID, what, run)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// event returns the i-th record of a run's events, or nil.
func event(run map[string]any, i int) map[string]any {
	events, _ := run["events"].([]any)
	if i >= len(events) {
		return nil
	}
	return events[i].(map[string]any)
}

func eventPending(run map[string]any) bool {
	ev := event(run, 0)
	return ev != nil && ev["status"] == "pending"
}

func TestAnEventClearedThroughTheAPINeverFires(t *testing.T) {
	s := startSystem(t)
	id := s.startRun(entryWithSteps(checkInEvent("1h")), "INT-EV1")
	s.waitForState(id, "the event is scheduled", eventPending)

	var cleared map[string]any
	code := s.call(http.MethodDelete, "/v1/workflows/"+urlEscape(id)+"/events/check-in", nil, &cleared)

	require.Equal(t, http.StatusOK, code, "%v", cleared)
	require.Equal(t, map[string]any{"workflow_id": id, "event": "check-in", "was_pending": true}, cleared)
	run := s.waitForRun(id, "completed", 30*time.Second)
	require.Equal(t, "cleared", event(run, 0)["status"])
	require.Equal(t, "api", event(run, 0)["cleared_by"])
	require.Empty(t, s.twilio.Messages(), "a completed run sends nothing more")
	require.Equal(t, http.StatusConflict, s.call(http.MethodDelete, "/v1/workflows/"+urlEscape(id)+"/events/check-in", nil, nil))
}

func TestAScheduledEventFiresAndTheRunCompletesAfterIt(t *testing.T) {
	s := startSystem(t)
	id := s.startRun(entryWithSteps(checkInEvent("2s")), "INT-EV2")

	sms := s.twilio.WaitForMessages(t, 1, 30*time.Second)

	require.Equal(t, "How is it going, Ada?", sms[0].Body)
	run := s.waitForRun(id, "completed", 30*time.Second)
	ev := event(run, 0)
	require.Equal(t, "fired", ev["status"])
	due, err := time.Parse(time.RFC3339Nano, ev["due_at"].(string))
	require.NoError(t, err)
	scheduled, err := time.Parse(time.RFC3339Nano, ev["scheduled_at"].(string))
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, due.Sub(scheduled))
	require.Len(t, run["messages"], 1)
	require.Equal(t, []string{"event check-in due " + due.UTC().Format("2006-01-02 15:04 UTC")}, s.timerSummaries(id),
		"operators see what the timer waits for")
}

// timerSummaries lists the summaries of the timers a run started.
func (s *system) timerSummaries(workflowID string) []string {
	s.t.Helper()
	var summaries []string
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(s.t, err)
		if e.GetEventType() != enumspb.EVENT_TYPE_TIMER_STARTED {
			continue
		}
		var summary string
		require.NoError(s.t, converter.GetDefaultDataConverter().FromPayload(e.GetUserMetadata().GetSummary(), &summary))
		summaries = append(summaries, summary)
	}
	return summaries
}

func TestCancelingARunThroughTheAPIDuringAWait(t *testing.T) {
	s := startSystem(t)
	id := s.startRun(entryWithSteps(
		map[string]any{"id": "thanks", "type": "send_email", "subject": "Thanks", "text": "Thanks for calling, $(customer.first_name)"},
		checkInEvent("1h"),
		map[string]any{"id": "pause", "type": "wait", "duration": "1h"},
		map[string]any{"id": "follow-up", "type": "send_sms", "text": "Still fine?"},
	), "INT-EV3")
	s.waitForState(id, "the run reaches its wait", func(run map[string]any) bool { return run["current_step"] == "pause" })

	var answer map[string]any
	code := s.call(http.MethodPost, "/v1/workflows/"+urlEscape(id)+"/cancel",
		map[string]any{"by": "ops@example.com", "reason": "the customer called back"}, &answer)

	require.Equal(t, http.StatusAccepted, code, "%v", answer)
	run := s.waitForRun(id, "canceled", 30*time.Second)
	canceled := run["canceled"].(map[string]any)
	require.Equal(t, "ops@example.com", canceled["by"])
	require.Equal(t, "the customer called back", canceled["reason"])
	require.NotEmpty(t, canceled["at"])
	require.Equal(t, "dropped", event(run, 0)["status"])
	require.Len(t, run["messages"], 1, "only the email before the wait")
	require.Len(t, s.smtp.Messages(), 1)
	require.Empty(t, s.twilio.Messages(), "a canceled run sends nothing more")
	require.Equal(t, http.StatusConflict, s.call(http.MethodPost, "/v1/workflows/"+urlEscape(id)+"/cancel", nil, nil))
}

func TestEventsAndCancelOfAnUnknownRun(t *testing.T) {
	s := startSystem(t)
	unknown := urlEscape(fmt.Sprintf("post-call-survey/%s", interactionID("INT-NONE")))

	require.Equal(t, http.StatusNotFound, s.call(http.MethodDelete, "/v1/workflows/"+unknown+"/events/check-in", nil, nil))
	require.Equal(t, http.StatusNotFound, s.call(http.MethodPost, "/v1/workflows/"+unknown+"/cancel", nil, nil))
}
