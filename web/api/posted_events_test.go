//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// eventPosted is the answer to POST …/events/{name}.
type eventPosted struct {
	ID       string    `json:"id"`
	Event    string    `json:"event"`
	PostedAt time.Time `json:"posted_at"`
	Runs     []struct {
		WorkflowID string `json:"workflow_id"`
		RunID      string `json:"run_id"`
	} `json:"runs"`
}

// startEventWorker runs the follow-up workflow and the real activities a
// wait_for_event needs (KeptEvent reads the store).
func (a *testAPI) startEventWorker() {
	a.t.Helper()
	w := worker.New(a.temporal, a.taskQueue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{Store: a.store})
	require.NoError(a.t, w.Start())
	a.t.Cleanup(w.Stop)
}

// waitingEntry waits (after pause, if any) for case_closed, then keeps
// what it learnt.
func waitingEntry(name, pause string) map[string]any {
	e := surveyEntry(name)
	var steps []any
	if pause != "" {
		steps = append(steps, map[string]any{"id": "pause", "type": "wait", "duration": pause})
	}
	e["steps"] = append(steps,
		map[string]any{"id": "closed", "type": "wait_for_event", "name": "case_closed", "timeout": "5d"},
		map[string]any{"id": "noted", "type": "set_variable", "name": "noted", "value": "$(case_closed.resolution)"})
	return e
}

func postPath(workflowID, name string) string {
	return "/v1/workflows/" + url.PathEscape(workflowID) + "/events/" + name
}

// awaitClosed waits for the run to complete and returns its view.
func (a *testAPI) awaitCompleted(workflowID string) workflowView {
	a.t.Helper()
	var view workflowView
	require.Eventually(a.t, func() bool {
		view = a.getWorkflow(workflowID)
		return view.Status == "Completed"
	}, 20*time.Second, 50*time.Millisecond, "the run did not complete")
	return view
}

func TestAnEventPostedToAWaitingRunIsTakenAtOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	m := a.start(waitingEntry("Case follow-up", ""))
	require.Eventually(t, func() bool {
		return strings.HasPrefix(a.getWorkflow(m.WorkflowID).Details, "waiting for event case_closed")
	}, 10*time.Second, 50*time.Millisecond)

	got := decode[eventPosted](t, a.call(http.MethodPost, postPath(m.WorkflowID, "case_closed"),
		map[string]any{"data": map[string]any{"resolution": "fixed", "minutes": 42}}), http.StatusOK)

	require.Equal(t, "case_closed", got.Event)
	require.Len(t, got.Runs, 1)
	require.Equal(t, m.WorkflowID, got.Runs[0].WorkflowID)
	require.Equal(t, m.RunID, got.Runs[0].RunID)
	view := a.awaitCompleted(m.WorkflowID)
	require.Equal(t, true, view.Variables["case_closed.received"])
	require.Equal(t, "fixed", view.Variables["case_closed.resolution"])
	require.Equal(t, float64(42), view.Variables["case_closed.minutes"])
	require.Equal(t, got.PostedAt.UTC().Format(time.RFC3339), view.Variables["case_closed.at"])
	require.Equal(t, "fixed", view.Variables["noted"])
}

// An event posted before the run reaches its wait is kept, and the run
// sees it at once when it gets there; a body is optional.
func TestAnEventPostedBeforeTheWaitIsSeenWhenTheRunGetsThere(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	body := waitingEntry("Case follow-up", "2s")
	steps := body["steps"].([]any)
	body["steps"] = steps[:len(steps)-1] // nothing to note: the event comes without data
	m := a.start(body)

	got := decode[eventPosted](t, a.do(http.MethodPost, postPath(m.WorkflowID, "case_closed"), "", "Authorization", "Bearer "+apiToken), http.StatusOK)

	require.Len(t, got.Runs, 1)
	view := a.awaitCompleted(m.WorkflowID)
	require.Equal(t, true, view.Variables["case_closed.received"])
	require.Equal(t, got.PostedAt.UTC().Format(time.RFC3339), view.Variables["case_closed.at"])
}

// An event posted for a run whose start is not confirmed (ingest claimed
// it and has not started it yet) is kept for it; the run finds it in the
// store when it reaches its wait, at once. The post repeated afterwards
// finds the run ended, and still names it: its result lists the event.
func TestAnEventPostedBeforeTheRunStartedIsKeptForIt(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	body := waitingEntry("Case follow-up", "")
	a.createEntry(body)
	ev := endedEvent(uniqueID("INT-"))
	interactionID := ev["interaction_id"].(string)
	workflowID := "case-follow-up/" + interactionID
	_, err := a.store.ClaimRuns(context.Background(), []store.Run{{WorkflowID: workflowID, EntryID: "case-follow-up", EntryVersion: 1,
		InteractionID: interactionID, Trigger: "disposition"}})
	require.NoError(t, err)
	key := uniqueID("key-")
	post := func() eventPosted {
		return decode[eventPosted](t, a.do(http.MethodPost, "/v1/interactions/"+interactionID+"/events/case_closed",
			`{"data": {"resolution": "fixed"}}`, "Authorization", "Bearer "+apiToken, "Content-Type", "application/json",
			"Idempotency-Key", key), http.StatusOK)
	}

	kept := post()
	require.Len(t, kept.Runs, 1)
	require.Equal(t, workflowID, kept.Runs[0].WorkflowID)
	require.Empty(t, kept.Runs[0].RunID, "no run yet: kept for it")

	res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusOK)
	require.Equal(t, "started", res.Matches[0].Status)
	a.terminateAtCleanup(workflowID)
	view := a.awaitCompleted(workflowID)
	require.Equal(t, "fixed", view.Variables["noted"])

	again := post()
	require.Len(t, again.Runs, 1)
	require.Equal(t, res.Matches[0].RunID, again.Runs[0].RunID, "the run took it, though it has ended since")
}

// A post repeated with its Idempotency-Key delivers once and answers the
// same; the key used for another event is a conflict naming the header.
func TestAnEventPostedTwiceWithItsIdempotencyKeyIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	m := a.start(waitingEntry("Case follow-up", "1h"))
	key := uniqueID("key-")
	post := func(data map[string]any) *httpResult {
		rec := a.do(http.MethodPost, postPath(m.WorkflowID, "case_closed"), mustJSON(t, map[string]any{"data": data}),
			"Authorization", "Bearer "+apiToken, "Content-Type", "application/json", "Idempotency-Key", key)
		return &httpResult{code: rec.Code, body: rec.Body.String(), replayed: rec.Header().Get("Idempotent-Replayed")}
	}

	first, second := post(map[string]any{"resolution": "fixed"}), post(map[string]any{"resolution": "fixed"})

	require.Equal(t, http.StatusOK, first.code, first.body)
	require.Equal(t, http.StatusOK, second.code, second.body)
	require.JSONEq(t, first.body, second.body, "the answer repeats")
	require.Empty(t, first.replayed)
	require.Equal(t, "true", second.replayed)
	var view workflowView
	require.Eventually(t, func() bool {
		view = a.getWorkflow(m.WorkflowID)
		return len(view.PostedEvents) > 0
	}, 10*time.Second, 50*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // a second signal would have come by now
	require.Len(t, a.getWorkflow(m.WorkflowID).PostedEvents, 1, "delivered once")

	other := post(map[string]any{"resolution": "refunded"})
	require.Equal(t, http.StatusConflict, other.code, other.body)
	require.Contains(t, other.body, `"field":"Idempotency-Key"`)
}

type httpResult struct {
	code     int
	body     string
	replayed string
}

// An interaction's and a case's events reach every running follow-up of
// it, found in ccflow's own records; runs of other cases do not take them.
func TestInteractionAndCaseEventsReachEveryRunningFollowUp(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	a.createEntry(waitingEntry("Case follow-up", ""))
	second := waitingEntry("Case callback", "")
	second["steps"] = append([]any{map[string]any{"id": "hold", "type": "wait", "duration": "1h"}}, second["steps"].([]any)...)
	a.createEntry(second)
	caseID := uniqueID("CASE-")
	started := map[string][]string{}
	for _, c := range []string{caseID, caseID, uniqueID("CASE-")} {
		ev := endedEvent(uniqueID("INT-"))
		ev["case"] = map[string]any{"id": c, "number": "9", "disposition": "Need more information", "final": false}
		res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusOK)
		require.Len(t, res.Matches, 2)
		for _, mr := range res.Matches {
			a.terminateAtCleanup(mr.WorkflowID)
			started[c] = append(started[c], mr.WorkflowID)
		}
		started[ev["interaction_id"].(string)] = []string{res.Matches[0].WorkflowID, res.Matches[1].WorkflowID}
	}

	byCase := decode[eventPosted](t, a.call(http.MethodPost, "/v1/cases/"+caseID+"/events/case_closed",
		map[string]any{"data": map[string]any{"resolution": "fixed"}}), http.StatusOK)

	var took []string
	for _, r := range byCase.Runs {
		took = append(took, r.WorkflowID)
		require.NotEmpty(t, r.RunID)
	}
	require.ElementsMatch(t, started[caseID], took, "the four runs of the case's two interactions, not the other case's")
	for _, id := range started[caseID] {
		entryID, _, _ := strings.Cut(id, "/")
		if entryID == "case-follow-up" {
			require.Equal(t, "fixed", a.awaitCompleted(id).Variables["noted"])
		}
	}

	var oneInteraction string
	for k, ids := range started {
		if strings.HasPrefix(k, "INT-") && !strings.Contains(strings.Join(started[caseID], " "), ids[0]) {
			oneInteraction = k
		}
	}
	byInteraction := decode[eventPosted](t, a.call(http.MethodPost, "/v1/interactions/"+oneInteraction+"/events/case_closed", nil), http.StatusOK)
	took = nil
	for _, r := range byInteraction.Runs {
		took = append(took, r.WorkflowID)
	}
	require.ElementsMatch(t, started[oneInteraction], took)
}

// A run that has ended takes no event: for the workflow that is 409, for
// its interaction an answer without it.
func TestAnEndedRunTakesNoEvent(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	m := a.start(waitingEntry("Case follow-up", ""))
	require.NoError(t, a.temporal.TerminateWorkflow(context.Background(), m.WorkflowID, "", "done"))

	e := requireError(t, a.call(http.MethodPost, postPath(m.WorkflowID, "case_closed"), nil), http.StatusConflict)
	require.Equal(t, "workflow_not_running", e.Code)
	interactionID := strings.TrimPrefix(m.WorkflowID, "case-follow-up/")
	got := decode[eventPosted](t, a.call(http.MethodPost, "/v1/interactions/"+interactionID+"/events/case_closed", nil), http.StatusOK)
	require.Empty(t, got.Runs)
}

// The workflow ID as two segments works as well as escaped; a POST
// /v1/workflows/{entry}/{interaction}/cancel still cancels.
func TestWorkflowEventsAndCancelByEitherFormOfTheID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startEventWorker()
	m := a.start(waitingEntry("Case follow-up", "1h"))

	got := decode[eventPosted](t, a.call(http.MethodPost, "/v1/workflows/"+m.WorkflowID+"/events/cancel", nil), http.StatusOK)
	require.Equal(t, "cancel", got.Event, "an event named cancel, posted to the ID in two segments")
	got = decode[eventPosted](t, a.call(http.MethodPost, postPath(m.WorkflowID, "cancel"), nil), http.StatusOK)
	require.Len(t, got.Runs, 1)

	canceled := decode[map[string]any](t, a.call(http.MethodPost, "/v1/workflows/"+m.WorkflowID+"/cancel", nil), http.StatusAccepted)
	require.Equal(t, "cancel_requested", canceled["status"])
}

func TestEventPostsWithBadInputAre400NamingTheField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := a.start(surveyEntry("Post-call survey"))
	big := strings.Repeat("x", workflows.MaxEventData)
	tests := []struct {
		name, target, body, field string
		header                    []string
	}{
		{"a name with a dash", postPath(m.WorkflowID, "case-closed"), "", "name", nil},
		{"a dotted name", postPath(m.WorkflowID, "case.closed"), "", "name", nil},
		{"a name ccflow sets", postPath(m.WorkflowID, "survey"), "", "name", nil},
		{"a name of 65 characters", postPath(m.WorkflowID, strings.Repeat("n", 65)), "", "name", nil},
		{"a name with a NUL", postPath(m.WorkflowID, "case%00closed"), "", "name", nil},
		{"a name not UTF-8", postPath(m.WorkflowID, "%FF"), "", "name", nil},
		{"data over 64 KiB", postPath(m.WorkflowID, "case_closed"), `{"data": {"notes": "` + big + `"}}`, "data", nil},
		{"data not an object", postPath(m.WorkflowID, "case_closed"), `{"data": [1, 2]}`, "data", nil},
		{"a field that is no simple name", postPath(m.WorkflowID, "case_closed"), `{"data": {"a b": 1}}`, "data.a b", nil},
		{"a dotted field", postPath(m.WorkflowID, "case_closed"), `{"data": {"a.b": 1}}`, "data.a.b", nil},
		{"a NUL in a value", postPath(m.WorkflowID, "case_closed"), `{"data": {"note": "a\u0000b"}}`, "data.note", nil},
		{"an unknown member", postPath(m.WorkflowID, "case_closed"), `{"date": {}}`, "date", nil},
		{"a bad interaction id", "/v1/interactions/INT%20X/events/case_closed", "", "interaction_id", nil},
		{"a case id with a line break", "/v1/cases/CASE%0A9/events/case_closed", "", "case_id", nil},
		{"an idempotency key of 300 characters", postPath(m.WorkflowID, "case_closed"), "", "Idempotency-Key",
			[]string{"Idempotency-Key", strings.Repeat("k", 300)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := append([]string{"Authorization", "Bearer " + apiToken, "Content-Type", "application/json"}, tt.header...)
			e := requireError(t, a.do(http.MethodPost, tt.target, tt.body, header...), http.StatusBadRequest)
			require.Equal(t, tt.field, e.Field, e.Message)
		})
	}
	e := requireError(t, a.call(http.MethodPost, postPath("nobody/INT-0", "case_closed"), nil), http.StatusNotFound)
	require.Equal(t, "not_found", e.Code)
}

// An entry's sample_percent starts runs for that share of customers, the
// same customers every time; the others answer sampled_out, in the dry run
// too, and start nothing.
func TestSampledOutMatchesStartNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	body := surveyEntry("Sampled survey")
	body["sample_percent"] = 30
	a.createEntry(body)
	stored, err := a.store.Entry(context.Background(), "sampled-survey")
	require.NoError(t, err)
	var in, out string
	for i := 0; in == "" || out == ""; i++ {
		c := fmt.Sprintf("C-%d", i)
		if entry.Sampled(stored, c, "") {
			in = c
		} else {
			out = c
		}
	}
	post := func(customer string, dryRun bool) interaction.MatchResult {
		ev := endedEvent(uniqueID("INT-"))
		ev["customer"] = map[string]any{"id": customer}
		target := "/v1/interactions/ended"
		if dryRun {
			target += "?dry_run=true"
		}
		res := decode[interaction.Result](t, a.call(http.MethodPost, target, ev), http.StatusOK)
		require.Len(t, res.Matches, 1)
		if res.Matches[0].RunID != "" {
			a.terminateAtCleanup(res.Matches[0].WorkflowID)
		}
		return res.Matches[0]
	}

	require.Equal(t, "sampled_out", post(out, true).Status)
	require.Equal(t, "would_start", post(in, true).Status)
	gone := post(out, false)
	require.Equal(t, "sampled_out", gone.Status)
	require.Empty(t, gone.RunID)
	_, err = a.temporal.DescribeWorkflow(context.Background(), gone.WorkflowID, "")
	require.Error(t, err, "no run started")
	require.Equal(t, "started", post(in, false).Status)

	e := requireError(t, a.call(http.MethodPost, "/v1/entries", map[string]any{"name": "Bad sample", "sample_percent": 0,
		"triggers": body["triggers"], "steps": body["steps"]}), http.StatusBadRequest)
	require.Equal(t, "sample_percent", e.Field)
	e = requireError(t, a.call(http.MethodPost, "/v1/entries", map[string]any{"name": "Bad sample", "sample_percent": 101,
		"triggers": body["triggers"], "steps": body["steps"]}), http.StatusBadRequest)
	require.Equal(t, "sample_percent", e.Field)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}
