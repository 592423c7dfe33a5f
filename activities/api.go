package activities

import "time"

// EmailInput is one email to send. Key is the idempotency key (workflow ID
// + "/" + step id): a retry with the same key never sends twice.
type EmailInput struct {
	Key        string `json:"key"`
	WorkflowID string `json:"workflow_id"`
	StepID     string `json:"step_id"`
	To         string `json:"to"`
	Subject    string `json:"subject"`
	Text       string `json:"text,omitempty"`
	HTML       string `json:"html,omitempty"`
}

// SMSInput is one SMS to send, with the same idempotency key as EmailInput.
type SMSInput struct {
	Key        string `json:"key"`
	WorkflowID string `json:"workflow_id"`
	StepID     string `json:"step_id"`
	To         string `json:"to"`
	Text       string `json:"text"`
}

// Delivery is the outcome of a send.
type Delivery struct {
	// ID is the idempotency key the delivery is recorded under.
	ID         string `json:"id"`
	Channel    string `json:"channel"`
	To         string `json:"to"`
	ProviderID string `json:"provider_id,omitempty"`
	// AlreadySent is true when an earlier attempt had sent it; nothing was
	// sent this time.
	AlreadySent bool      `json:"already_sent,omitempty"`
	SentAt      time.Time `json:"sent_at"`
}

// OpenSurveyInput opens a survey for a send_survey step.
type OpenSurveyInput struct {
	WorkflowID    string    `json:"workflow_id"`
	RunID         string    `json:"run_id"`
	StepID        string    `json:"step_id"`
	EntryID       string    `json:"entry_id"`
	InteractionID string    `json:"interaction_id"`
	Channel       string    `json:"channel"`
	Question      string    `json:"question"`
	WaitUntil     time.Time `json:"wait_until"`
}

// Survey is an opened survey: its ID (workflow ID + "/" + step id) and the
// signed link the customer answers through.
type Survey struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}
