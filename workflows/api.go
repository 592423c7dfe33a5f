package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/entry"
	"github.com/ccflow/ccflow/interaction"
	"github.com/ccflow/ccflow/vars"
)

// TaskQueue is the task queue the worker polls and the starter starts on.
const TaskQueue = "ccflow"

// Names the starter uses to talk to a running follow-up.
const (
	// SurveyAnswerUpdate hands a customer's survey answer to the run; its
	// validator rejects an answer the run is no longer waiting for.
	SurveyAnswerUpdate = "survey-answer"
	// StateQuery returns the run's State.
	StateQuery = "state"
)

// Search attributes set on every run, registered by `make dev` and by the
// setup command documented in the README.
var (
	EntryIDAttr          = temporal.NewSearchAttributeKeyKeyword("CcflowEntryId")
	ServiceAttr          = temporal.NewSearchAttributeKeyKeyword("CcflowService")
	InteractionIDAttr    = temporal.NewSearchAttributeKeyKeyword("CcflowInteractionId")
	CustomerIDAttr       = temporal.NewSearchAttributeKeyKeyword("CcflowCustomerId")
	DispositionAttr      = temporal.NewSearchAttributeKeyKeyword("CcflowDisposition")
	AverageSentimentAttr = temporal.NewSearchAttributeKeyFloat64("CcflowAverageSentiment")
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
}

// Run statuses as the workflow itself reports them in State.
const (
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
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
}

// Message is one email or SMS the run sent.
type Message struct {
	StepID     string    `json:"step_id"`
	Channel    string    `json:"channel"`
	To         string    `json:"to"`
	DeliveryID string    `json:"delivery_id"`
	ProviderID string    `json:"provider_id,omitempty"`
	SentAt     time.Time `json:"sent_at"`
}

// StepError records a step that failed after its retries.
type StepError struct {
	StepID  string    `json:"step_id"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}
