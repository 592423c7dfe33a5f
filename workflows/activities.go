package workflows

import (
	"strings"
	"time"
)

// The activity contract: the names the worker registers its activities
// under and the payloads that cross between the workflow and them. The
// workflow owns it, so this package links no provider, store or network
// library; package activities implements it. The names are those in every
// recorded history, so they never change.
const (
	OpenSurveyActivity  = "OpenSurvey"
	SendEmailActivity   = "SendEmail"
	SendSMSActivity     = "SendSMS"
	HTTPRequestActivity = "HTTPRequest"
)

// Delivery channels, as deliveries and surveys record them.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// SendTimeout is the longest one attempt of SendEmail or SendSMS may take:
// the StartToCloseTimeout of every send.
const SendTimeout = 30 * time.Second

// StepKey is the key a step's delivery or survey is recorded under: one per
// step of a run, however often its activity is retried.
func StepKey(workflowID, stepID string) string {
	return workflowID + "/" + stepID
}

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

// HTTPRequestInput is one request of an http_request step, its templates
// rendered. It goes to either URL or Connection plus Path, and never
// carries credentials: those are added from the connection inside the
// activity, so they stay out of workflow history.
type HTTPRequestInput struct {
	StepID string `json:"step_id"`
	// IdempotencyKey is sent as Idempotency-Key unless Headers sets it, so
	// a server that honours it can tell a retry from a new request.
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Method         string            `json:"method"`
	URL            string            `json:"url,omitempty"`
	Connection     string            `json:"connection,omitempty"`
	Path           string            `json:"path,omitempty"`
	Headers        map[string]string `json:"headers,omitempty"`
	Body           string            `json:"body,omitempty"`
	Timeout        time.Duration     `json:"timeout"`
}

// Target names where the request goes without credentials, for logs and
// operators: its URL, or "connection crm /customers/7".
func (in HTTPRequestInput) Target() string {
	if in.Connection != "" {
		return strings.TrimSpace("connection " + in.Connection + " " + in.Path)
	}
	return in.URL
}

// HTTPResponse is a 2xx answer. Header names are lower case, with the first
// value of each; Set-Cookie is left out, since a session is a credential.
// Body is the decoded value of a JSON body, else the body as text.
type HTTPResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

// Temporal application error types of the activities' errors, so the
// workflow and operators can tell the cases apart.
const (
	// ErrTypeSendRejected: the provider refused the message for good.
	ErrTypeSendRejected = "ccflow.SendRejected"
	// ErrTypeInvalidInput: the workflow asked for something that can never
	// work, such as a send without an idempotency key.
	ErrTypeInvalidInput = "ccflow.InvalidInput"
	// ErrTypeHTTPStatus: the server answered with a status other than 2xx.
	// It is retryable for 5xx, 408 and 429 and final for the others.
	ErrTypeHTTPStatus = "ccflow.HTTPStatus"
	// ErrTypeAddressBlocked: an external request would have reached an
	// internal address, directly, through DNS or through a redirect.
	ErrTypeAddressBlocked = "ccflow.AddressBlocked"
	// ErrTypeRedirectRefused: too many redirects, or a connection's request
	// redirected to another host.
	ErrTypeRedirectRefused = "ccflow.RedirectRefused"
	// ErrTypeResponseTooLarge: the body is over the 1 MiB a run keeps.
	ErrTypeResponseTooLarge = "ccflow.ResponseTooLarge"
	// ErrTypeUnknownConnection: the step names a connection this worker
	// does not have.
	ErrTypeUnknownConnection = "ccflow.UnknownConnection"
)
