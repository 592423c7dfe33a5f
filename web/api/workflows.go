package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// stateQueryTimeout bounds the state query, which waits for a worker: with
// none running the answer is still given, from Temporal and the store.
const stateQueryTimeout = 3 * time.Second

// workflowView is the body of GET /v1/workflows/{id}. The run's own State
// is embedded so everything it reports (current step, details, variables,
// messages, errors…) appears at the top level; the fields above it come
// from Temporal and the store and win over the State's of the same name.
type workflowView struct {
	WorkflowID    string     `json:"workflow_id"`
	RunID         string     `json:"run_id"`
	Status        string     `json:"status"`
	EntryID       string     `json:"entry_id"`
	EntryVersion  int        `json:"entry_version"`
	InteractionID string     `json:"interaction_id"`
	Trigger       string     `json:"trigger,omitempty"`
	Summary       string     `json:"summary,omitempty"`
	StartedAt     *time.Time `json:"started_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	*workflows.State
	// StateNote says why the run's own state is missing, when it is.
	StateNote  string         `json:"state_note,omitempty"`
	Deliveries []deliveryView `json:"deliveries"`
	Surveys    []surveyView   `json:"surveys"`
}

// deliveryView is one message send as recorded in the store.
type deliveryView struct {
	ID         string     `json:"id"`
	StepID     string     `json:"step_id"`
	Channel    string     `json:"channel"`
	To         string     `json:"to"`
	Status     string     `json:"status"`
	ProviderID string     `json:"provider_id,omitempty"`
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}

// surveyView is one survey the run opened and its answer, late or not.
type surveyView struct {
	ID        string      `json:"id"`
	StepID    string      `json:"step_id"`
	Channel   string      `json:"channel"`
	Question  string      `json:"question"`
	WaitUntil time.Time   `json:"wait_until"`
	ExpiresAt time.Time   `json:"expires_at"`
	Answer    *answerView `json:"answer,omitempty"`
}

type answerView struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
	// Late is true when the run had stopped waiting for it.
	Late       bool      `json:"late"`
	AnsweredAt time.Time `json:"answered_at"`
}

// cancelRequest is the optional body of POST /v1/workflows/{id}/cancel:
// who asks and why, as the run's state will show it.
type cancelRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// Bounds of a cancel request's fields, in characters.
const (
	maxCancelBy     = 200
	maxCancelReason = 1000
)

// cancelStatus is the answer of POST /v1/workflows/{id}/cancel.
type cancelStatus struct {
	WorkflowID string `json:"workflow_id"`
	Status     string `json:"status"`
	By         string `json:"by"`
}

// workflowID is the workflow a request names, either escaped in one path
// segment or as entry and interaction segments.
func workflowID(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return id
	}
	return workflows.WorkflowID(r.PathValue("entry"), r.PathValue("interaction"))
}

// getWorkflow tells an operator where a run is: Temporal's status, what the
// run reports of itself, and what the store recorded of its sends and
// survey answers.
func (s *server) getWorkflow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := workflowID(r)
	view := workflowView{WorkflowID: id, Deliveries: []deliveryView{}, Surveys: []surveyView{}}

	run, err := s.Store.Run(ctx, id)
	known := err == nil
	switch {
	case known:
		view.RunID, view.EntryID, view.EntryVersion = run.RunID, run.EntryID, run.EntryVersion
		view.InteractionID, view.Trigger, view.StartedAt = run.InteractionID, run.Trigger, &run.StartedAt
	case !errors.Is(err, store.ErrNotFound):
		return err
	}

	desc, err := s.Temporal.DescribeWorkflow(ctx, id, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound) && !known:
		return errNotFound(fmt.Sprintf("workflow %q", id))
	case errors.As(err, &notFound):
		// Past the namespace's retention only the store remembers it.
		view.Status = "Unknown"
		view.StateNote = "Temporal no longer holds this run (past the namespace's retention)"
	case err != nil:
		return fmt.Errorf("describing workflow %s: %w", id, err)
	default:
		view.RunID = desc.WorkflowExecution.RunID
		view.Status = desc.Status.String()
		view.StartedAt, view.ClosedAt = &desc.WorkflowStartTime, desc.WorkflowCloseTime
		view.Summary, _ = desc.GetStaticSummary() // a summary that does not decode is left out
		view.State, view.StateNote = s.runState(ctx, id, desc.Status)
	}
	if view.State != nil && !known {
		view.EntryID, view.EntryVersion, view.InteractionID = view.State.EntryID, view.State.EntryVersion, view.State.InteractionID
	}

	if view.Deliveries, err = s.deliveries(ctx, id); err != nil {
		return err
	}
	if view.Surveys, err = s.surveys(ctx, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// runState asks the run for its State: a completed run's result holds it
// without a worker; otherwise the state query needs one.
func (s *server) runState(ctx context.Context, id string, status enumspb.WorkflowExecutionStatus) (*workflows.State, string) {
	var state workflows.State
	if status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		if err := s.Temporal.GetWorkflow(ctx, id, "").Get(ctx, &state); err == nil {
			return &state, ""
		}
	}
	ctx, cancel := context.WithTimeout(ctx, stateQueryTimeout)
	defer cancel()
	value, err := s.Temporal.QueryWorkflow(ctx, id, "", workflows.StateQuery)
	if err == nil {
		err = value.Get(&state)
	}
	if err != nil {
		return nil, "the run did not answer the state query (is a worker running?): " + err.Error()
	}
	return &state, ""
}

func (s *server) deliveries(ctx context.Context, workflowID string) ([]deliveryView, error) {
	list, err := s.Store.Deliveries(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	views := make([]deliveryView, len(list))
	for i, d := range list {
		views[i] = deliveryView{ID: d.Key, StepID: d.StepID, Channel: d.Channel, To: d.Recipient, Status: d.Status,
			ProviderID: d.ProviderID, Attempts: d.Attempts, LastError: d.LastError, SentAt: d.SentAt}
	}
	return views, nil
}

func (s *server) surveys(ctx context.Context, workflowID string) ([]surveyView, error) {
	list, err := s.Store.SurveysForWorkflow(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	views := make([]surveyView, len(list))
	for i, sv := range list {
		views[i] = surveyView{ID: sv.ID, StepID: sv.StepID, Channel: sv.Channel, Question: sv.Question,
			WaitUntil: sv.WaitUntil, ExpiresAt: sv.ExpiresAt}
		if a := sv.Answer; a != nil {
			views[i].Answer = &answerView{Score: a.Score, Comment: a.Comment, Late: !a.Delivered, AnsweredAt: a.AnsweredAt}
		}
	}
	return views, nil
}

// cancelWorkflow asks the run to stop; the workflow ends at once, drops
// its pending events, sends nothing more and records who asked and why.
func (s *server) cancelWorkflow(w http.ResponseWriter, r *http.Request) error {
	req, err := readCancelRequest(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	id := workflowID(r)
	runID, err := s.runningWorkflow(ctx, id)
	if err != nil {
		return err
	}
	err = usecase.RequestCancel(ctx, s.Temporal, id, runID, workflows.CancelRequest{By: req.By, Reason: req.Reason})
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		// The run ended between the status check and the cancel.
		return errNotRunning(id, "it has ended")
	case err != nil:
		return fmt.Errorf("cancelling workflow %s: %w", id, err)
	}
	writeJSON(w, http.StatusAccepted, cancelStatus{WorkflowID: id, Status: "cancel_requested", By: req.By})
	return nil
}

// readCancelRequest reads the optional body of a cancel request; without
// one the run says the API canceled it.
func readCancelRequest(w http.ResponseWriter, r *http.Request) (cancelRequest, error) {
	req := cancelRequest{}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return req, err
		}
	}
	req.By, req.Reason = strings.TrimSpace(req.By), strings.TrimSpace(req.Reason)
	switch {
	case utf8.RuneCountInString(req.By) > maxCancelBy:
		return req, errField("by", "is longer than %d characters", maxCancelBy)
	case utf8.RuneCountInString(req.Reason) > maxCancelReason:
		return req, errField("reason", "is longer than %d characters", maxCancelReason)
	}
	req.By = cmp.Or(req.By, byAPI)
	return req, nil
}

// byAPI is who the run's state says acted when a request through the API
// names no one.
const byAPI = "api"

// runningWorkflow returns the run ID of the running workflow id: 404 when
// Temporal does not know it, 409 when it has ended. Temporal takes a cancel
// request for a finished run without complaint, hence the check.
func (s *server) runningWorkflow(ctx context.Context, id string) (string, error) {
	desc, err := s.Temporal.DescribeWorkflow(ctx, id, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return "", errNotFound(fmt.Sprintf("workflow %q", id))
	case err != nil:
		return "", fmt.Errorf("describing workflow %s: %w", id, err)
	case desc.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "", errNotRunning(id, desc.Status.String())
	}
	return desc.WorkflowExecution.RunID, nil
}

func errNotRunning(id, status string) *apiError {
	return &apiError{Status: http.StatusConflict, Code: codeWorkflowNotRunning,
		Message: fmt.Sprintf("workflow %q is not running (%s)", id, status)}
}
