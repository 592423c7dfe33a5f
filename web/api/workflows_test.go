//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// workflowView is the part of GET /v1/workflows/{id} the tests read.
type workflowView struct {
	WorkflowID    string         `json:"workflow_id"`
	RunID         string         `json:"run_id"`
	Status        string         `json:"status"`
	EntryID       string         `json:"entry_id"`
	EntryVersion  int            `json:"entry_version"`
	InteractionID string         `json:"interaction_id"`
	CurrentStep   string         `json:"current_step"`
	Details       string         `json:"details"`
	Variables     map[string]any `json:"variables"`
	Messages      []any          `json:"messages"`
	Events        []struct {
		Name      string `json:"name"`
		Status    string `json:"status"`
		ClearedBy string `json:"cleared_by"`
	} `json:"events"`
	Canceled *struct {
		By     string `json:"by"`
		Reason string `json:"reason"`
	} `json:"canceled"`
	PostedEvents []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"posted_events"`
	StateNote  string `json:"state_note"`
	Deliveries []struct {
		ID     string `json:"id"`
		To     string `json:"to"`
		Status string `json:"status"`
	} `json:"deliveries"`
	Surveys []struct {
		ID     string `json:"id"`
		Answer *struct {
			Score int  `json:"score"`
			Late  bool `json:"late"`
		} `json:"answer"`
	} `json:"surveys"`
}

// startWorker runs the real follow-up workflow on the test's task queue;
// the entries these tests use need no activities.
func (a *testAPI) startWorker() {
	a.t.Helper()
	w := worker.New(a.temporal, a.taskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.FollowUp)
	// A run records how it ended, the last thing it does.
	acts := &activities.Activities{Store: a.store}
	w.RegisterActivityWithOptions(acts.RecordRunEnd, activity.RegisterOptions{Name: workflows.RecordRunEndActivity})
	require.NoError(a.t, w.Start())
	a.t.Cleanup(w.Stop)
}

// start stores entryBody and posts an ended interaction that starts one run
// of it.
func (a *testAPI) start(entryBody map[string]any) interaction.MatchResult {
	a.t.Helper()
	a.createEntry(entryBody)
	res := decode[interaction.Result](a.t, a.call(http.MethodPost, "/v1/interactions/ended", endedEvent(uniqueID("INT-"))), http.StatusOK)
	require.Len(a.t, res.Matches, 1)
	a.terminateAtCleanup(res.Matches[0].WorkflowID)
	return res.Matches[0]
}

func (a *testAPI) getWorkflow(workflowID string) workflowView {
	a.t.Helper()
	return decode[workflowView](a.t, a.call(http.MethodGet, "/v1/workflows/"+url.PathEscape(workflowID), nil), http.StatusOK)
}

func TestGetWorkflowOfARunningFollowUp(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(surveyEntry("Post-call survey"))
	ctx := context.Background()
	_, err := a.store.BeginDelivery(ctx, store.Delivery{Key: m.WorkflowID + "/thanks", WorkflowID: m.WorkflowID,
		StepID: "thanks", Channel: "email", Recipient: "ada@example.com"})
	require.NoError(t, err)
	token, sv := a.openSurvey(m.WorkflowID, time.Now().Add(time.Hour))
	require.Equal(t, http.StatusOK, a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 2}).Code)

	var view workflowView
	require.Eventually(t, func() bool { // until the worker has run the first workflow task
		view = a.getWorkflow(m.WorkflowID)
		return view.CurrentStep != ""
	}, 10*time.Second, 50*time.Millisecond)

	require.Equal(t, m.WorkflowID, view.WorkflowID)
	require.Equal(t, m.RunID, view.RunID)
	require.Equal(t, "Running", view.Status)
	require.Equal(t, "post-call-survey", view.EntryID)
	require.Equal(t, 1, view.EntryVersion)
	require.Equal(t, "pause", view.CurrentStep)
	require.Contains(t, view.Details, "wait")
	require.Equal(t, "A-17", view.Variables["order_id"])
	require.Empty(t, view.StateNote)
	require.Len(t, view.Deliveries, 1)
	require.Equal(t, "ada@example.com", view.Deliveries[0].To)
	require.Len(t, view.Surveys, 1)
	require.Equal(t, sv.ID, view.Surveys[0].ID)
	require.Equal(t, 2, view.Surveys[0].Answer.Score)
	require.True(t, view.Surveys[0].Answer.Late, "this stand-in run is not waiting on a survey")
}

func TestGetWorkflowOfACompletedFollowUp(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	e := surveyEntry("Tag")
	e["steps"] = []any{map[string]any{"id": "tag", "type": "set_variable", "name": "tagged", "value": "yes"}}
	m := a.start(e)
	require.NoError(t, a.temporal.GetWorkflow(context.Background(), m.WorkflowID, m.RunID).Get(context.Background(), nil))

	view := a.getWorkflow(m.WorkflowID)

	require.Equal(t, "Completed", view.Status)
	require.Equal(t, "yes", view.Variables["tagged"])
	require.Empty(t, view.StateNote)
}

func TestGetWorkflowWithoutAWorkerStillAnswers(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := a.start(surveyEntry("Post-call survey"))

	view := a.getWorkflow(m.WorkflowID)

	require.Equal(t, "Running", view.Status)
	require.Equal(t, "post-call-survey", view.EntryID)
	require.Equal(t, 1, view.EntryVersion)
	require.NotEmpty(t, view.StateNote)
	require.Empty(t, view.Deliveries)
	require.Empty(t, view.Surveys)
}

func TestGetWorkflowByEitherFormOfItsID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(surveyEntry("Post-call survey"))
	entryID, interactionID := "post-call-survey", m.WorkflowID[len("post-call-survey/"):]

	for _, target := range []string{
		"/v1/workflows/post-call-survey%2F" + interactionID, // escaped: ServeMux keeps %2F in one segment
		"/v1/workflows/post-call-survey%2f" + interactionID,
		"/v1/workflows/" + entryID + "/" + interactionID,
	} {
		view := decode[workflowView](t, a.call(http.MethodGet, target, nil), http.StatusOK)
		require.Equal(t, m.WorkflowID, view.WorkflowID, target)
	}
}

func TestGetUnknownWorkflow(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	for _, target := range []string{"/v1/workflows/nobody%2FINT-0", "/v1/workflows/nobody/INT-0"} {
		e := requireError(t, a.call(http.MethodGet, target, nil), http.StatusNotFound)
		require.Equal(t, "not_found", e.Code)
	}
}

func TestCancelWorkflow(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.startWorker()
	m := a.start(surveyEntry("Post-call survey"))

	rec := a.call(http.MethodPost, "/v1/workflows/"+url.PathEscape(m.WorkflowID)+"/cancel", nil)

	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	err := a.temporal.GetWorkflow(context.Background(), m.WorkflowID, m.RunID).Get(context.Background(), nil)
	require.Error(t, err, "the run ends canceled")
	view := a.getWorkflow(m.WorkflowID)
	require.Equal(t, "Canceled", view.Status)
	require.NotNil(t, view.Canceled, "the run's state says who canceled it")
	require.Equal(t, "api", view.Canceled.By)
	e := requireError(t, a.call(http.MethodPost, "/v1/workflows/"+url.PathEscape(m.WorkflowID)+"/cancel", nil), http.StatusConflict)
	require.Equal(t, "workflow_not_running", e.Code)
}

func TestCancelUnknownWorkflow(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	requireError(t, a.call(http.MethodPost, "/v1/workflows/nobody%2FINT-0/cancel", nil), http.StatusNotFound)
}
