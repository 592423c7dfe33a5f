//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// eventEntry is an entry whose run schedules the event "check-in" an hour
// out and then waits for it; its steps need no activities.
func eventEntry(name string) map[string]any {
	e := surveyEntry(name)
	e["steps"] = []any{map[string]any{"id": "schedule", "type": "schedule_event", "name": "check-in", "after": "1h",
		"steps": []any{map[string]any{"type": "set_variable", "name": "checked_in", "value": "yes"}}}}
	return e
}

// clearedEvent is the answer of DELETE /v1/workflows/{id}/events/{name}.
type clearedEvent struct {
	WorkflowID string `json:"workflow_id"`
	Event      string `json:"event"`
	WasPending bool   `json:"was_pending"`
}

// awaitPendingEvent waits until the run has scheduled its event.
func (a *testAPI) awaitPendingEvent(workflowID string) {
	a.t.Helper()
	require.Eventually(a.t, func() bool {
		view := a.getWorkflow(workflowID)
		return len(view.Events) > 0 && view.Events[0].Status == "pending"
	}, 10*time.Second, 50*time.Millisecond)
}

func eventPath(workflowID, name string) string {
	return "/v1/workflows/" + url.PathEscape(workflowID) + "/events/" + name
}

func TestClearEventClearsAPendingEventAndTheRunCompletes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(eventEntry("Check-in"))
	a.awaitPendingEvent(m.WorkflowID)

	got := decode[clearedEvent](t, a.call(http.MethodDelete, eventPath(m.WorkflowID, "check-in"), nil), http.StatusOK)

	require.Equal(t, clearedEvent{WorkflowID: m.WorkflowID, Event: "check-in", WasPending: true}, got)
	ctx := context.Background()
	require.NoError(t, a.temporal.GetWorkflow(ctx, m.WorkflowID, m.RunID).Get(ctx, nil), "nothing keeps the run open")
	view := a.getWorkflow(m.WorkflowID)
	require.Equal(t, "Completed", view.Status)
	require.Equal(t, "cleared", view.Events[0].Status)
	require.Equal(t, "api", view.Events[0].ClearedBy)
	require.NotContains(t, view.Variables, "checked_in", "the event's steps never ran")
	e := requireError(t, a.call(http.MethodDelete, eventPath(m.WorkflowID, "check-in"), nil), http.StatusConflict)
	require.Equal(t, "workflow_not_running", e.Code)
}

func TestClearEventThatIsNotPendingChangesNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(eventEntry("Check-in"))
	a.awaitPendingEvent(m.WorkflowID)

	got := decode[clearedEvent](t, a.call(http.MethodDelete, eventPath(m.WorkflowID, "never-scheduled"), nil), http.StatusOK)

	require.False(t, got.WasPending)
	view := a.getWorkflow(m.WorkflowID)
	require.Equal(t, "Running", view.Status)
	require.Equal(t, "pending", view.Events[0].Status)
	require.Equal(t, "not_pending", view.Events[1].Status, "the attempt is recorded")
	require.Equal(t, "never-scheduled", view.Events[1].Name)
}

func TestClearEventByEitherFormOfItsID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(eventEntry("Check-in"))
	a.awaitPendingEvent(m.WorkflowID)

	got := decode[clearedEvent](t, a.call(http.MethodDelete, "/v1/workflows/"+m.WorkflowID+"/events/check-in", nil), http.StatusOK)

	require.Equal(t, m.WorkflowID, got.WorkflowID)
	require.True(t, got.WasPending)
}

func TestClearEventOfAnUnknownWorkflow(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	for _, target := range []string{"/v1/workflows/nobody%2FINT-0/events/check-in", "/v1/workflows/nobody/INT-0/events/check-in"} {
		e := requireError(t, a.call(http.MethodDelete, target, nil), http.StatusNotFound)
		require.Equal(t, "not_found", e.Code)
	}
}

// An event name is 1 to 64 letters, digits, '_' or '-' (entries can name
// no other): anything else is a 400 before Temporal is asked.
func TestClearEventNamesNoEventAnEntryCanHave(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := a.start(eventEntry("Check-in"))

	for _, name := range []string{"check%00in", strings.Repeat("n", 65), "check%0Ain", "%FF"} {
		e := requireError(t, a.call(http.MethodDelete, eventPath(m.WorkflowID, name), nil), http.StatusBadRequest)
		require.Equal(t, "invalid_field", e.Code)
		require.Equal(t, "name", e.Field)
	}
}

func TestClearEventWithoutAWorkerIsUnavailable(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := a.start(eventEntry("Check-in"))

	e := requireError(t, a.call(http.MethodDelete, eventPath(m.WorkflowID, "check-in"), nil), http.StatusServiceUnavailable)

	require.Contains(t, e.Message, "is a worker running?")
}

func TestCancelWorkflowSaysWhoAndWhy(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(eventEntry("Check-in"))
	a.awaitPendingEvent(m.WorkflowID)

	rec := a.call(http.MethodPost, "/v1/workflows/"+url.PathEscape(m.WorkflowID)+"/cancel",
		map[string]any{"by": "ops@example.com", "reason": "the customer called back"})

	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	ctx := context.Background()
	require.Error(t, a.temporal.GetWorkflow(ctx, m.WorkflowID, m.RunID).Get(ctx, nil), "the run ends canceled")
	view := a.getWorkflow(m.WorkflowID)
	require.Equal(t, "Canceled", view.Status)
	require.Equal(t, "ops@example.com", view.Canceled.By)
	require.Equal(t, "the customer called back", view.Canceled.Reason)
	require.Equal(t, "dropped", view.Events[0].Status)
}

func TestCancelWorkflowRejectsABadBody(t *testing.T) {
	tests := []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"by too long", map[string]any{"by": strings.Repeat("é", 201)}, "invalid_field", "by"},
		{"reason too long", map[string]any{"reason": strings.Repeat("é", 1001)}, "invalid_field", "reason"},
		{"by with a NUL", map[string]any{"by": "ops\x00"}, "invalid_field", "by"},
		{"by on one line", map[string]any{"by": "ops\nadmin"}, "invalid_field", "by"},
		{"reason with a NUL", map[string]any{"reason": "called back\x00"}, "invalid_field", "reason"},
		{"unknown field", map[string]any{"who": "ops"}, "unknown_field", "who"},
		{"not JSON", "by=ops", "invalid_json", ""},
	}
	a := newTestAPI(t)
	m := a.start(surveyEntry("Post-call survey"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := requireError(t, a.call(http.MethodPost, "/v1/workflows/"+url.PathEscape(m.WorkflowID)+"/cancel", tt.body),
				http.StatusBadRequest)

			require.Equal(t, tt.code, e.Code)
			require.Equal(t, tt.field, e.Field)
		})
	}
	require.Equal(t, "Running", a.getWorkflow(m.WorkflowID).Status, "a bad request cancels nothing")
}
