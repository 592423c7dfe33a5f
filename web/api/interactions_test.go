//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/interaction"
)

// surveyEntry is an entry that fires on "Problem solved" and waits a day.
func surveyEntry(name string) map[string]any {
	return map[string]any{
		"name":     name,
		"service":  "Billing Support",
		"triggers": []any{map[string]any{"type": "disposition", "disposition": "Problem solved"}},
		"steps":    []any{map[string]any{"id": "pause", "type": "wait", "duration": "1d"}},
	}
}

// createEntry stores an entry through the API.
func (a *testAPI) createEntry(body map[string]any) {
	a.t.Helper()
	require.Equal(a.t, http.StatusCreated, a.call(http.MethodPost, "/v1/entries", body).Code)
}

func endedEvent(interactionID string) map[string]any {
	return map[string]any{
		"interaction_id":    interactionID,
		"service":           "Billing Support",
		"disposition":       "Problem solved",
		"average_sentiment": 0.62,
		"customer":          map[string]any{"id": "C-77", "first_name": "Ada", "email": "ada@example.com"},
		"variables":         map[string]any{"order_id": "A-17"},
	}
}

func TestInteractionEndedStartsTheMatchingEntries(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	id := uniqueID("INT-")

	res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", endedEvent(id)), http.StatusOK)

	require.Equal(t, id, res.InteractionID)
	require.Len(t, res.Matches, 1)
	m := res.Matches[0]
	a.terminateAtCleanup(m.WorkflowID)
	require.Equal(t, interaction.MatchResult{EntryID: "post-call-survey", EntryVersion: 1, Trigger: m.Trigger,
		WorkflowID: "post-call-survey/" + id, RunID: m.RunID, Status: "started"}, m)
	require.NotEmpty(t, m.RunID)
}

func TestInteractionEndedTwiceStartsNothingNew(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	ev := endedEvent(uniqueID("INT-"))
	first := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusOK)
	a.terminateAtCleanup(first.Matches[0].WorkflowID)

	again := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusOK)

	require.Equal(t, "already_started", again.Matches[0].Status)
	require.Equal(t, first.Matches[0].RunID, again.Matches[0].RunID)
}

func TestInteractionEndedDryRunStartsNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	id := uniqueID("INT-")

	res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended?dry_run=true", endedEvent(id)), http.StatusOK)

	require.Len(t, res.Matches, 1)
	require.Equal(t, "would_start", res.Matches[0].Status)
	_, err := a.temporal.DescribeWorkflow(context.Background(), res.Matches[0].WorkflowID, "")
	var notFound *serviceerror.NotFound
	require.ErrorAs(t, err, &notFound)
}

func TestInteractionEndedRejectsABadDryRunFlag(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	e := requireError(t, a.call(http.MethodPost, "/v1/interactions/ended?dry_run=perhaps", endedEvent("INT-1")), http.StatusBadRequest)

	require.Equal(t, "dry_run", e.Field)
}

func TestInteractionEndedNamesTheBadField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		name   string
		change func(ev map[string]any)
		field  string
	}{
		{"missing interaction_id", func(ev map[string]any) { delete(ev, "interaction_id") }, "interaction_id"},
		{"interaction_id with a slash", func(ev map[string]any) { ev["interaction_id"] = "INT/1" }, "interaction_id"},
		{"missing service", func(ev map[string]any) { delete(ev, "service") }, "service"},
		{"sentiment out of range", func(ev map[string]any) { ev["average_sentiment"] = 1.5 }, "average_sentiment"},
		{"customer email", func(ev map[string]any) { ev["customer"] = map[string]any{"email": "not an address"} }, "customer.email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := endedEvent("INT-1")
			tt.change(ev)

			e := requireError(t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusBadRequest)

			require.Equal(t, "invalid_field", e.Code)
			require.Equal(t, tt.field, e.Field)
		})
	}
}

func TestInteractionEndedWhileTemporalIsDownAnswers503(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, unreachableTemporal(t))
	a.createEntry(surveyEntry("Post-call survey"))

	e := requireError(t, a.call(http.MethodPost, "/v1/interactions/ended", endedEvent(uniqueID("INT-"))), http.StatusServiceUnavailable)

	require.Equal(t, "unavailable", e.Code)
}
