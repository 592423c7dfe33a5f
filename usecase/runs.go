package usecase

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// stateQueryTimeout bounds the state query, which waits for a worker: with
// none running the answer is still given, from Temporal and the store.
const stateQueryTimeout = 3 * time.Second

// updateTimeout bounds the wait for the run to take an update, which needs
// a worker: without one the caller hears so rather than waiting on.
const updateTimeout = 10 * time.Second

// RunView is where a run is: Temporal's status, what the run reports of
// itself and what the store recorded of its sends and survey answers. It is
// the body of GET /v1/workflows/{id}. The run's own State is embedded so
// everything it reports (current step, details, variables, messages,
// errors…) appears at the top level; the fields above it come from Temporal
// and the store and win over the State's of the same name.
type RunView struct {
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
	// Messages are every message of the run, as the run reports them
	// (sent, held, skipped) and the store adds (failed), each with its
	// reason and the delivery status the provider reported. It stands in
	// for the State's own list.
	Messages []MessageView `json:"messages"`
	// StateNote says why the run's own state is missing, when it is.
	StateNote  string         `json:"state_note,omitempty"`
	Deliveries []DeliveryView `json:"deliveries"`
	Surveys    []SurveyView   `json:"surveys"`
}

// MessageView is one message of a run: its status (sent, held, skipped,
// failed), unless sent the reason, and for an SMS the delivery status
// Twilio last reported (queued, sent, delivered, undelivered, failed) with
// its error code.
type MessageView struct {
	workflows.Message
	DeliveryStatus string `json:"delivery_status,omitempty"`
	ErrorCode      string `json:"error_code,omitempty"`
}

// DeliveryView is one message send as recorded in the store.
type DeliveryView struct {
	ID         string     `json:"id"`
	StepID     string     `json:"step_id"`
	Channel    string     `json:"channel"`
	To         string     `json:"to"`
	Status     string     `json:"status"`
	ProviderID string     `json:"provider_id,omitempty"`
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	// Decision is the contact policy's (send, held, skipped) with its
	// reason; HoldUntil is when a held send goes.
	Decision  string     `json:"decision,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	HoldUntil *time.Time `json:"hold_until,omitempty"`
	// DeliveryStatus and ErrorCode are what the provider last reported.
	DeliveryStatus string `json:"delivery_status,omitempty"`
	ErrorCode      string `json:"error_code,omitempty"`
}

// SurveyView is one survey the run opened and its answer, late or not.
type SurveyView struct {
	ID       string `json:"id"`
	StepID   string `json:"step_id"`
	Channel  string `json:"channel"`
	Question string `json:"question"`
	// Scale is the rating's, 1-5 or 0-10; SentAt when the link's message
	// went, DeliveredAt when Twilio reported the SMS delivered.
	Scale       string      `json:"scale"`
	SentAt      *time.Time  `json:"sent_at,omitempty"`
	DeliveredAt *time.Time  `json:"delivered_at,omitempty"`
	WaitUntil   time.Time   `json:"wait_until"`
	ExpiresAt   time.Time   `json:"expires_at"`
	Answer      *AnswerView `json:"answer,omitempty"`
	// AnswerBy is "reply" for a survey that took SMS replies, "link"
	// otherwise; Replies are the SMS read as replies to it, oldest first.
	AnswerBy string      `json:"answer_by"`
	Replies  []ReplyView `json:"replies,omitempty"`
}

// ReplyView is an SMS the customer sent, read as a reply to a survey: its
// text and what it did (answered, unclear, received, kept).
type ReplyView struct {
	MessageSID string    `json:"message_sid"`
	Body       *string   `json:"body"`
	Action     string    `json:"action"`
	ReceivedAt time.Time `json:"received_at"`
}

// AnswerView is a survey's answer.
type AnswerView struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
	// Late is true when the run had stopped waiting for it.
	Late       bool      `json:"late"`
	AnsweredAt time.Time `json:"answered_at"`
}

// answerViewOf is an answer the store keeps, as callers see it.
func answerViewOf(a store.SurveyAnswer) AnswerView {
	return AnswerView{Score: a.Score, Comment: a.Comment, Late: !a.Delivered, AnsweredAt: a.AnsweredAt}
}

// Run tells an operator where the run of workflowID is. A run Temporal no
// longer holds (past the namespace's retention) is shown from the store
// with status "Unknown"; one neither knows is ErrNotFound. A run that does
// not answer the state query (no worker) is shown without its State and a
// StateNote saying why.
func (s *Service) Run(ctx context.Context, workflowID string) (RunView, error) {
	if err := checkWorkflowID(workflowID); err != nil {
		return RunView{}, err
	}
	view := RunView{WorkflowID: workflowID, Deliveries: []DeliveryView{}, Surveys: []SurveyView{}}

	run, err := s.Store.Run(ctx, workflowID)
	known := err == nil
	switch {
	case known:
		view.RunID, view.EntryID, view.EntryVersion = run.RunID, run.EntryID, run.EntryVersion
		view.InteractionID, view.Trigger, view.StartedAt = run.InteractionID, run.Trigger, &run.StartedAt
	case !errors.Is(err, store.ErrNotFound):
		return RunView{}, classify(err)
	}

	desc, err := s.Temporal.DescribeWorkflow(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound) && !known:
		return RunView{}, fmt.Errorf("workflow %q %w", workflowID, ErrNotFound)
	case errors.As(err, &notFound):
		// Past the namespace's retention only the store remembers it.
		view.Status = "Unknown"
		view.StateNote = "Temporal no longer holds this run (past the namespace's retention)"
	case err != nil:
		return RunView{}, classify(fmt.Errorf("describing workflow %s: %w", workflowID, err))
	default:
		view.RunID = desc.WorkflowExecution.RunID
		view.Status = desc.Status.String()
		view.StartedAt, view.ClosedAt = &desc.WorkflowStartTime, desc.WorkflowCloseTime
		view.Summary, _ = desc.GetStaticSummary() // a summary that does not decode is left out
		view.State, view.StateNote = s.runState(ctx, workflowID, desc.Status)
	}
	if view.State != nil && !known {
		view.EntryID, view.EntryVersion, view.InteractionID = view.State.EntryID, view.State.EntryVersion, view.State.InteractionID
	}

	if view.Deliveries, err = s.deliveries(ctx, workflowID); err != nil {
		return RunView{}, err
	}
	view.Messages = messages(view.State, view.Deliveries)
	if view.Surveys, err = s.surveys(ctx, workflowID); err != nil {
		return RunView{}, err
	}
	return view, nil
}

// runState asks the run for its State: a completed run's result holds it
// without a worker; otherwise the state query needs one.
func (s *Service) runState(ctx context.Context, id string, status enumspb.WorkflowExecutionStatus) (*workflows.State, string) {
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

func (s *Service) deliveries(ctx context.Context, workflowID string) ([]DeliveryView, error) {
	list, err := s.Store.Deliveries(ctx, workflowID)
	if err != nil {
		return nil, classify(err)
	}
	statuses, err := s.Store.SMSStatuses(ctx, workflowID)
	if err != nil {
		return nil, classify(err)
	}
	views := make([]DeliveryView, len(list))
	for i, d := range list {
		views[i] = DeliveryView{ID: d.Key, StepID: d.StepID, Channel: d.Channel, To: d.Recipient, Status: d.Status,
			ProviderID: d.ProviderID, Attempts: d.Attempts, LastError: d.LastError, SentAt: d.SentAt,
			Decision: d.Decision, Reason: d.Reason, HoldUntil: d.HoldUntil}
		if st, ok := statuses[d.ProviderID]; ok && d.ProviderID != "" {
			views[i].DeliveryStatus, views[i].ErrorCode = st.Status, st.ErrorCode
		}
	}
	return views, nil
}

// messages lists the run's messages: those its state reports, with the
// delivery status of their delivery, then the sends the store recorded
// as failed, which the state leaves to its errors.
func messages(state *workflows.State, deliveries []DeliveryView) []MessageView {
	byID := map[string]DeliveryView{}
	for _, d := range deliveries {
		byID[d.ID] = d
	}
	out := []MessageView{}
	seen := map[string]bool{}
	if state != nil {
		for _, m := range state.Messages {
			v := MessageView{Message: m}
			if d, ok := byID[m.DeliveryID]; ok {
				v.DeliveryStatus, v.ErrorCode = d.DeliveryStatus, d.ErrorCode
			}
			seen[m.DeliveryID] = true
			out = append(out, v)
		}
	}
	for _, d := range deliveries {
		if d.Status != "failed" || seen[d.ID] {
			continue
		}
		out = append(out, MessageView{Message: workflows.Message{StepID: d.StepID, Channel: d.Channel, To: d.To,
			DeliveryID: d.ID, ProviderID: d.ProviderID, Status: workflows.SendFailed, Reason: d.LastError}})
	}
	return out
}

func (s *Service) surveys(ctx context.Context, workflowID string) ([]SurveyView, error) {
	list, err := s.Store.SurveysForWorkflow(ctx, workflowID)
	if err != nil {
		return nil, classify(err)
	}
	replies, err := s.Store.RepliesForWorkflow(ctx, workflowID)
	if err != nil {
		return nil, classify(err)
	}
	views := make([]SurveyView, len(list))
	for i, sv := range list {
		views[i] = SurveyView{ID: sv.ID, StepID: sv.StepID, Channel: sv.Channel, Question: sv.Question,
			Scale: sv.Scale, SentAt: sv.SentAt, DeliveredAt: sv.DeliveredAt, WaitUntil: sv.WaitUntil, ExpiresAt: sv.ExpiresAt,
			AnswerBy: "link"}
		if a := sv.Answer; a != nil {
			answer := answerViewOf(*a)
			views[i].Answer = &answer
		}
		if replies.ByReply[sv.ID] {
			views[i].AnswerBy = "reply"
		}
		for _, m := range replies.Replies {
			if m.SurveyID != nil && *m.SurveyID == sv.ID {
				views[i].Replies = append(views[i].Replies, ReplyView{MessageSID: m.MessageSID, Body: m.Body, Action: m.Action, ReceivedAt: m.ReceivedAt})
			}
		}
	}
	return views, nil
}

// CancelRequest says who asks to cancel a run and why, as the run's state
// will show it.
type CancelRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
	// Via names where the request came from ("api", "console"); the run's
	// state names it as the one who acted when By is empty.
	Via string `json:"-"`
}

// Bounds of a cancel request's fields, in characters.
const (
	maxCancelBy     = 200
	maxCancelReason = 1000
)

// Text rules of a cancel request: who is one line, why may take several.
var (
	cancelByText     = validation.Line(maxCancelBy)
	cancelReasonText = validation.Lines(maxCancelReason)
)

// check trims req's fields, bounds them and fills By in from Via.
func (req *CancelRequest) check() error {
	req.By, req.Reason = strings.TrimSpace(req.By), strings.TrimSpace(req.Reason)
	switch {
	case utf8.RuneCountInString(req.By) > maxCancelBy:
		return validation.Errorf("by", "is longer than %d characters", maxCancelBy)
	case utf8.RuneCountInString(req.Reason) > maxCancelReason:
		return validation.Errorf("reason", "is longer than %d characters", maxCancelReason)
	}
	if err := cancelByText.Check("by", req.By); err != nil {
		return err
	}
	if err := cancelReasonText.Check("reason", req.Reason); err != nil {
		return err
	}
	req.By = cmp.Or(req.By, req.Via)
	return nil
}

// Canceled is the answer to a cancel request.
type Canceled struct {
	WorkflowID string `json:"workflow_id"`
	Status     string `json:"status"`
	By         string `json:"by"`
}

// CancelRun asks the run of workflowID to stop; the workflow ends at once,
// drops its pending events, sends nothing more and records who asked and
// why. A run that has ended is ErrNotRunning, an unknown one ErrNotFound;
// fields out of bounds are validation errors, checked before anything else.
func (s *Service) CancelRun(ctx context.Context, workflowID string, req CancelRequest) (Canceled, error) {
	if err := req.check(); err != nil {
		return Canceled{}, err
	}
	runID, err := s.runningWorkflow(ctx, workflowID)
	if err != nil {
		return Canceled{}, err
	}
	err = RequestCancel(ctx, s.Temporal, workflowID, runID, workflows.CancelRequest{By: req.By, Reason: req.Reason})
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		// The run ended between the status check and the cancel.
		return Canceled{}, notRunning(workflowID, "it has ended")
	case err != nil:
		return Canceled{}, classify(fmt.Errorf("cancelling workflow %s: %w", workflowID, err))
	}
	return Canceled{WorkflowID: workflowID, Status: "cancel_requested", By: req.By}, nil
}

// ClearedEvent is the answer to clearing a scheduled event.
type ClearedEvent struct {
	WorkflowID string `json:"workflow_id"`
	Event      string `json:"event"`
	// WasPending is false when no event of that name was pending (never
	// scheduled, fired or cleared already): the call changed nothing.
	WasPending bool `json:"was_pending"`
}

// ClearEvent clears the scheduled event name of the running workflow
// workflowID through an update, so the caller learns whether the event was
// still pending; by names who clears it, as the run's state will show. A
// run that has ended is ErrNotRunning, an unknown one ErrNotFound. A run
// that does not take the update in time (no worker) is an
// UnavailableError that says it may still take it.
func (s *Service) ClearEvent(ctx context.Context, workflowID, name, by string) (ClearedEvent, error) {
	if !entry.ValidEventName(name) {
		// No entry can name such an event, so no run can have it pending.
		return ClearedEvent{}, validation.Errorf("name", "%s is not an event name (1 to 64 letters, digits, '_' or '-')",
			validation.Quote(name))
	}
	runID, err := s.runningWorkflow(ctx, workflowID)
	if err != nil {
		return ClearedEvent{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	result, err := SendClearEvent(ctx, s.Temporal, workflowID, runID, workflows.ClearEvent{Name: name, By: by})
	var (
		rejected *temporal.ApplicationError
		notFound *serviceerror.NotFound
		deadline *serviceerror.DeadlineExceeded
	)
	switch {
	case errors.As(err, &rejected) && rejected.Type() == workflows.ErrInvalidClearEvent:
		// The run's validator words its refusal as a field error of name.
		return ClearedEvent{}, &validation.FieldError{Path: "name", Message: strings.TrimPrefix(rejected.Message(), "name: ")}
	case errors.As(err, &notFound):
		// The run ended between the status check and the update.
		return ClearedEvent{}, notRunning(workflowID, "it has ended")
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline):
		// Temporal keeps the update for the run's next workflow task, so
		// it may still apply; clearing again is harmless either way.
		return ClearedEvent{}, &UnavailableError{
			Message: fmt.Sprintf("workflow %q did not take the update within %s (is a worker running?); "+
				"it may still take it, and clearing again is harmless", workflowID, updateTimeout),
			Err: err,
		}
	case err != nil:
		return ClearedEvent{}, classify(fmt.Errorf("clearing event %q of workflow %s: %w", name, workflowID, err))
	}
	return ClearedEvent{WorkflowID: workflowID, Event: name, WasPending: result.WasPending}, nil
}

// runningWorkflow returns the run ID of the running workflow id:
// ErrNotFound when Temporal does not know it, ErrNotRunning when it has
// ended. Temporal takes a cancel request for a finished run without
// complaint, hence the check.
func (s *Service) runningWorkflow(ctx context.Context, id string) (string, error) {
	if err := checkWorkflowID(id); err != nil {
		return "", err
	}
	desc, err := s.Temporal.DescribeWorkflow(ctx, id, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return "", fmt.Errorf("workflow %q %w", id, ErrNotFound)
	case err != nil:
		return "", classify(fmt.Errorf("describing workflow %s: %w", id, err))
	case desc.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return "", notRunning(id, desc.Status.String())
	}
	return desc.WorkflowExecution.RunID, nil
}

// maxWorkflowIDLength is the longest workflow ID Temporal takes.
const maxWorkflowIDLength = 1000

// checkWorkflowID answers ErrNotFound for an ID no run of ccflow can have,
// before Temporal is asked: ccflow's IDs are "<entry_id>/<interaction_id>",
// printable ASCII, and Temporal's client refuses to send control
// characters at all.
func checkWorkflowID(id string) error {
	ok := len(id) > 0 && len(id) <= maxWorkflowIDLength
	for i := 0; ok && i < len(id); i++ {
		ok = id[i] > ' ' && id[i] < 0x7f
	}
	if !ok {
		return fmt.Errorf("workflow %s %w", validation.Quote(id), ErrNotFound)
	}
	return nil
}

// notRunning is ErrNotRunning for workflow id, saying its status.
func notRunning(id, status string) error {
	return fmt.Errorf("workflow %q is %w (%s)", id, ErrNotRunning, status)
}
