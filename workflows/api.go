package workflows

import (
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/vars"
)

// Names the starter uses to talk to a running follow-up.
const (
	// SurveyAnswerUpdate hands a customer's survey answer to the run; its
	// validator rejects an answer the run is no longer waiting for.
	SurveyAnswerUpdate = "survey-answer"
	// StateQuery returns the run's State.
	StateQuery = "state"
	// ClearEventUpdate clears a scheduled event from outside the run (a
	// ClearEvent); its ClearEventResult says whether the event was pending.
	ClearEventUpdate = "clear-event"
	// CancelRequestSignal carries a CancelRequest just before the starter
	// cancels the run, so the run's state can say who canceled it and why.
	CancelRequestSignal = "cancel-requested"
	// CustomerContactedAgainSignal tells a run that another interaction
	// of its customer ended (a CustomerContactedAgain): a run whose entry
	// says cancel_on_new_interaction ends at once, completed, saying so.
	CustomerContactedAgainSignal = "customer-contacted-again"
	// EventPostedSignal hands the run an event posted for it through the
	// API (a PostedEvent): a wait_for_event step waiting for its name
	// takes it at once, and one that comes later sees it when it starts.
	EventPostedSignal = "event-posted"
	// DeliveryStatusSignal tells the run the delivery status the provider
	// reported for one of its messages (a DeliveryStatus), for a send_sms
	// step with fallback that waits for it.
	DeliveryStatusSignal = "delivery-status"
	// UnclearReplySignal tells the run that the customer replied to its
	// survey answered by reply without a number on the scale (an
	// UnclearReply): the survey's step sends its one clarifying SMS.
	UnclearReplySignal = "survey-reply-unclear"
)

// UnclearReply is the payload of UnclearReplySignal.
type UnclearReply struct {
	SurveyID string `json:"survey_id"`
}

// PostedEvent is the payload of EventPostedSignal, and what KeptEvent
// finds in the store: an event posted for the run, with its data (a JSON
// object, at most MaxEventData bytes).
type PostedEvent struct {
	// ID names the post the event came from: the same event signalled
	// twice (a retried post) is taken once.
	ID   string         `json:"id"`
	Name string         `json:"name"`
	Data map[string]any `json:"data,omitempty"`
	// At is when it was posted.
	At time.Time `json:"at"`
}

// MaxEventData bounds a posted event's data, as JSON.
const MaxEventData = 64 << 10

// DeliveryStatus is the payload of DeliveryStatusSignal.
type DeliveryStatus struct {
	// DeliveryID is the delivery's idempotency key (Delivery.ID).
	DeliveryID string `json:"delivery_id"`
	// Status is the provider's: queued, sent, delivered, undelivered,
	// failed…; ErrorCode its error code, such as 30007.
	Status    string `json:"status"`
	ErrorCode string `json:"error_code,omitempty"`
}

// Final reports whether the status is the last the provider reports of a
// message's delivery; FailedDelivery whether it says it never arrived.
func (d DeliveryStatus) Final() bool {
	return d.Status == "delivered" || d.FailedDelivery() || d.Status == "read"
}

// FailedDelivery reports whether the status says the message did not
// arrive: undelivered or failed.
func (d DeliveryStatus) FailedDelivery() bool {
	return d.Status == "undelivered" || d.Status == "failed"
}

// CustomerContactedAgain is the payload of CustomerContactedAgainSignal.
type CustomerContactedAgain struct {
	InteractionID string `json:"interaction_id"`
}

// Search attributes of every run, registered by `make dev` and by
// deploy/temporal-setup.sh (see SearchAttributeKeys).
var (
	EntryIDAttr          = temporal.NewSearchAttributeKeyKeyword("CcflowEntryId")
	ServiceAttr          = temporal.NewSearchAttributeKeyKeyword("CcflowService")
	InteractionIDAttr    = temporal.NewSearchAttributeKeyKeyword("CcflowInteractionId")
	CustomerIDAttr       = temporal.NewSearchAttributeKeyKeyword("CcflowCustomerId")
	DispositionAttr      = temporal.NewSearchAttributeKeyKeyword("CcflowDisposition")
	AverageSentimentAttr = temporal.NewSearchAttributeKeyFloat64("CcflowAverageSentiment")
	// CurrentStepAttr is the step the run is at, kept current by the run
	// itself (State.CurrentStep), so operators can list the runs at a
	// step; a completed run has none.
	CurrentStepAttr = temporal.NewSearchAttributeKeyKeyword("CcflowCurrentStep")
)

// FollowUpInput starts a follow-up: the entry at the version that matched
// (carried whole, so later edits never change a running workflow), the
// event that matched it and which trigger held.
type FollowUpInput struct {
	Entry   entry.Entry       `json:"entry"`
	Event   interaction.Event `json:"event"`
	Trigger string            `json:"trigger"`
}

// WorkflowID is the ID of the run an entry starts for an interaction; it is
// what makes a repeated event start nothing new.
func WorkflowID(entryID, interactionID string) string {
	return entryID + "/" + interactionID
}

// SurveyAnswer is the argument of SurveyAnswerUpdate.
type SurveyAnswer struct {
	SurveyID string `json:"survey_id"`
	Score    int    `json:"score"`
	Comment  string `json:"comment,omitempty"`
	// Reply is the MessageSid of the SMS reply the answer was read from,
	// "" for an answer from the survey page: the run takes one answer a
	// survey, and a reply that finds another in its place tells by it.
	Reply string `json:"reply,omitempty"`
}

// MaxCommentLength is the longest survey comment accepted, in characters.
const MaxCommentLength = 2000

// CommentText is the rule of a survey comment: at most MaxCommentLength
// characters of UTF-8, line breaks and tabs the only control characters
// (PostgreSQL refuses a NUL, and a comment goes into messages and
// requests).
var CommentText = validation.Lines(MaxCommentLength)

// Check reports what is wrong with an answer's score (which must be on
// the survey's scale s) or comment, naming the field; the starter checks
// the same way before it hands an answer over, so the run and the store
// never disagree about one the store refuses.
func (a SurveyAnswer) Check(s scale.Scale) error {
	var errs validation.Errors
	if err := s.Check("score", a.Score); err != nil {
		errs = append(errs, validation.First(err))
	}
	if n := utf8.RuneCountInString(a.Comment); n > MaxCommentLength {
		errs = append(errs, validation.Errorf("comment", "%d characters is longer than the %d allowed", n, MaxCommentLength))
	} else if err := CommentText.Check("comment", a.Comment); err != nil {
		errs = append(errs, err)
	}
	return errs.Err()
}

// Error types of the application errors the workflow returns, so callers
// can tell the cases apart with temporal.ApplicationError.Type.
const (
	// ErrInvalidSurveyAnswer rejects an answer whose score or comment is wrong.
	ErrInvalidSurveyAnswer = "InvalidSurveyAnswer"
	// ErrSurveyNotPending rejects an answer the run is not waiting for: an
	// unknown survey, one already answered or one whose wait has ended.
	ErrSurveyNotPending = "SurveyNotPending"
	// ErrStepFailed fails a run whose step failed without on_error steps.
	ErrStepFailed = "StepFailed"
	// ErrInvalidClearEvent rejects a ClearEventUpdate without an event name.
	ErrInvalidClearEvent = "InvalidClearEvent"
)

// Run statuses as the workflow itself reports them in State.
const (
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCanceled  = "canceled"
)

// State is what a run reports about itself through StateQuery and as its
// result: where it is, what it knows and what it has sent.
type State struct {
	Status        string      `json:"status"`
	EntryID       string      `json:"entry_id"`
	EntryName     string      `json:"entry_name"`
	EntryVersion  int         `json:"entry_version"`
	InteractionID string      `json:"interaction_id"`
	CurrentStep   string      `json:"current_step,omitempty"`
	Details       string      `json:"details,omitempty"`
	Variables     vars.Vars   `json:"variables"`
	Messages      []Message   `json:"messages"`
	Errors        []StepError `json:"errors,omitempty"`
	// Notes say what a step decided that a reader might not expect, such
	// as a condition that did not hold for want of a variable.
	Notes []Note `json:"notes,omitempty"`
	// Events lists, in the order they happened, every event the run
	// scheduled and every attempt to clear one that was not pending.
	Events []ScheduledEvent `json:"events"`
	// Canceled says who canceled the run, when it was.
	Canceled *Cancellation `json:"canceled,omitempty"`
	// Reason says why a run completed before its steps were done:
	// "customer contacted again (INT-…)".
	Reason string `json:"reason,omitempty"`
	// PostedEvents lists, in the order the run took them, the events
	// posted for it (their data shows in the variables once a
	// wait_for_event step takes them).
	PostedEvents []PostedEventRecord `json:"posted_events,omitempty"`
}

// PostedEventRecord is one event posted for the run, as its state shows it.
type PostedEventRecord struct {
	ID   string    `json:"id"`
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// Message is one email or SMS of the run: sent, held until its window
// opens, or skipped by the contact policy; unless sent, Reason says why ("opted out", "quiet hours until 2026-12-01 08:00
// America/New_York", …).
type Message struct {
	StepID     string    `json:"step_id"`
	Channel    string    `json:"channel"`
	To         string    `json:"to"`
	DeliveryID string    `json:"delivery_id"`
	ProviderID string    `json:"provider_id,omitempty"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Until      time.Time `json:"until,omitzero"`
	SentAt     time.Time `json:"sent_at,omitzero"`
	// Fallback says why the step's fallback steps ran in the message's
	// place ("opted out", "undelivered 30007", "failed permanently: …").
	Fallback string `json:"fallback,omitempty"`
}

// StepError records a step that failed after its retries.
type StepError struct {
	StepID  string    `json:"step_id"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// Note is something a step decided, in words, for operators.
type Note struct {
	StepID  string    `json:"step_id"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// Statuses of a ScheduledEvent.
const (
	// EventPending waits for its due time.
	EventPending = "pending"
	// EventFired came due and ran (or is running) its steps.
	EventFired = "fired"
	// EventCleared was cleared by a clear_event step or through the API
	// before it came due; its steps never ran.
	EventCleared = "cleared"
	// EventReplaced was scheduled again under the same name before it came
	// due; only the later scheduling runs.
	EventReplaced = "replaced"
	// EventDropped was pending when the run was canceled or failed.
	EventDropped = "dropped"
	// EventNotPending records an attempt to clear a name with no pending
	// event (never scheduled, fired, or cleared already): a no-op.
	EventNotPending = "not_pending"
)

// ScheduledEvent is one event a schedule_event step scheduled, or one
// attempt to clear a name that was not pending (status not_pending).
type ScheduledEvent struct {
	Name string `json:"name"`
	// StepID is the schedule_event step that scheduled it.
	StepID      string    `json:"step_id,omitempty"`
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	DueAt       time.Time `json:"due_at,omitzero"`
	FiredAt     time.Time `json:"fired_at,omitzero"`
	// ClearedBy says who cleared or replaced it: "step <id>" or the caller
	// of ClearEventUpdate, such as "api".
	ClearedBy string    `json:"cleared_by,omitempty"`
	ClearedAt time.Time `json:"cleared_at,omitzero"`
}

// ClearEvent is the argument of ClearEventUpdate.
type ClearEvent struct {
	Name string `json:"name"`
	// By says who clears it, as the run's state will show it.
	By string `json:"by,omitempty"`
}

// ClearEventResult is the result of ClearEventUpdate.
type ClearEventResult struct {
	WasPending bool `json:"was_pending"`
}

// CancelRequest is the payload of CancelRequestSignal.
type CancelRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
}

// OperatorOutsideCcflow is who a run says canceled it, or cleared one of
// its events, when the request did not say: an operator of the Web UI or
// the CLI, since ccflow's API always does.
const OperatorOutsideCcflow = "Temporal (Web UI or CLI)"

// Cancellation records who canceled a run, why and when.
type Cancellation struct {
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}
