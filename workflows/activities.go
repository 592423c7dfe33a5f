package workflows

import (
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/scale"
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
	// PurgeExpiredActivity deletes one round of the customer data older
	// than the worker's CCFLOW_RETENTION (see Retention).
	PurgeExpiredActivity = "PurgeExpired"
	// DeliverWebhookActivity makes one attempt of a webhook delivery and
	// records it (see WebhookDelivery).
	DeliverWebhookActivity = "DeliverWebhook"
	// FinishWebhookActivity records how a webhook delivery ended when no
	// attempt could: its schedule ran out.
	FinishWebhookActivity = "FinishWebhookDelivery"
	// PlanWaitUntilActivity works out when a wait_until step ends, from
	// the contact policy (the customer's zone, the holidays) as it is when
	// the wait begins (a WaitUntilPlan).
	PlanWaitUntilActivity = "PlanWaitUntil"
	// KeptEventActivity finds the latest event of a name kept in the
	// store for the run: one posted before the run could take signals.
	KeptEventActivity = "KeptEvent"
	// RecordRunEndActivity records how a run ended in its run record
	// (a RunEnd), the last thing a run does.
	RecordRunEndActivity = "RecordRunEnd"
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
	// Contact is what the contact policy judges the send by; a caller that
	// sets it takes held and skipped outcomes (see Delivery.Status).
	Contact *Contact `json:"contact,omitempty"`
	// Survey makes the email a survey's (in runs since the HTML
	// contexts): the activity writes its HTML, the rating buttons in
	// place of RatingLinksMarker in HTML, or ccflow's whole message when
	// HTML is empty, in the brand of the run's service.
	Survey *SurveyEmail `json:"survey,omitempty"`
}

// SurveyEmail is what the send activity needs to write a survey email's
// HTML: the survey its buttons open and the words and brand to show.
type SurveyEmail struct {
	// URL is the survey page; Question the step's question, rendered in
	// the run's language.
	URL      string `json:"url"`
	Question string `json:"question"`
	// Scale is the survey's scale, "1-5" or "0-10".
	Scale scale.Scale `json:"scale"`
	// Language is the run's (run.language); Service the event's, whose
	// brand the email shows.
	Language string `json:"language,omitempty"`
	Service  string `json:"service,omitempty"`
}

// SMSInput is one SMS to send, with the same idempotency key as EmailInput.
type SMSInput struct {
	Key        string   `json:"key"`
	WorkflowID string   `json:"workflow_id"`
	StepID     string   `json:"step_id"`
	To         string   `json:"to"`
	Text       string   `json:"text"`
	Contact    *Contact `json:"contact,omitempty"`
}

// Contact is what the send activities need to apply the contact policy:
// whose message it is, from which entry and interaction.
//
// A send whose input has no Contact comes from a workflow that cannot
// wait or skip (one that ran before the policy existed, during a rolling
// deploy): the activity still applies the policy, but a held send fails
// retryably and a skipped one fails with ErrTypeSendSkipped.
type Contact struct {
	// CustomerID is the run's customer.id; Recipient is true when the
	// message goes to the customer's own address (customer.email or
	// customer.phone), so it counts against their caps and is judged in
	// their time zone.
	CustomerID string `json:"customer_id,omitempty"`
	Recipient  bool   `json:"recipient,omitempty"`
	// TimeZone is the customer's (customer.time_zone), Service the event's.
	TimeZone      string `json:"time_zone,omitempty"`
	Service       string `json:"service,omitempty"`
	EntryID       string `json:"entry_id"`
	InteractionID string `json:"interaction_id"`
	// QuietHours and CancelOnNewInteraction are the entry's.
	QuietHours             policy.QuietHours `json:"quiet_hours,omitempty"`
	CancelOnNewInteraction bool              `json:"cancel_on_new_interaction,omitempty"`
	// Survey is true for the message of a send_survey step.
	Survey bool `json:"survey,omitempty"`
	// RunStartedAt stands in for the interaction's arrival where ingest
	// did not record it.
	RunStartedAt time.Time `json:"run_started_at"`
}

// What a send came to (Delivery.Status). A Delivery without a status
// (recorded before the policy existed) was sent.
const (
	SendSent    = "sent"
	SendHeld    = "held"
	SendSkipped = "skipped"
	// SendFailed is a message whose send failed after its retries; only
	// the run's state shows it, never an activity's result.
	SendFailed = "failed"
)

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
	// Status is SendSent, SendHeld or SendSkipped ("" means sent).
	Status string `json:"status,omitempty"`
	// Until is when a held send may go: send it again then. Wait is the
	// time until then by the clock that decided, which the run's timer
	// takes, so a worker's clock a little off the server's holds no
	// longer or shorter than it decided.
	Until time.Time     `json:"until,omitzero"`
	Wait  time.Duration `json:"wait,omitempty"`
	// Code and Reason say why a send was held or skipped (policy.Code…
	// and the operator's words); Zone is the time zone it was judged in.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	Zone   string `json:"zone,omitempty"`
	// DeliveryStatus and ErrorCode are what the provider reported of the
	// message's delivery before the send was recorded (its status callback
	// can come first); later ones come as DeliveryStatusSignal.
	DeliveryStatus string `json:"delivery_status,omitempty"`
	ErrorCode      string `json:"error_code,omitempty"`
}

// WaitUntilInput asks PlanWaitUntil when a wait_until step that begins now
// ends.
type WaitUntilInput struct {
	StepID string `json:"step_id"`
	// Time, Days and AtLeast are the step's (HH:MM, day names, a duration).
	Time    string        `json:"time"`
	Days    []string      `json:"days,omitempty"`
	AtLeast time.Duration `json:"at_least,omitempty"`
	// CustomerTimeZone and Service choose the zone as for quiet hours, and
	// Service the holidays that apply.
	CustomerTimeZone string `json:"customer_time_zone,omitempty"`
	Service          string `json:"service,omitempty"`
}

// WaitUntilPlan is when a wait_until step ends: At, in the zone called
// Zone, which is Wait from the moment the plan was made by the clock that
// made it (so a worker's clock a little off the server's waits no longer
// or shorter than planned).
type WaitUntilPlan struct {
	At   time.Time     `json:"at"`
	Wait time.Duration `json:"wait"`
	Zone string        `json:"zone"`
	// Holidays are the holidays passed over, as dates, for the details.
	Holidays []string `json:"holidays,omitempty"`
}

// KeptEventInput asks KeptEvent for the latest event called Name kept for
// the run WorkflowID.
type KeptEventInput struct {
	WorkflowID string `json:"workflow_id"`
	Name       string `json:"name"`
}

// KeptEventResult is what KeptEvent found: Event is nil when none.
type KeptEventResult struct {
	Event *PostedEvent `json:"event,omitempty"`
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
	// Language is the run's language, in which the survey page speaks;
	// Service the event's, whose brand the page shows.
	Language string `json:"language,omitempty"`
	Service  string `json:"service,omitempty"`
	// EntryVersion is the version the run started with; Scale the step's
	// rating scale ("" in histories from before scales: 1-5).
	EntryVersion int    `json:"entry_version,omitempty"`
	Scale        string `json:"scale,omitempty"`
	// Reply asks for an SMS survey answered by reply (answer_by: reply):
	// the activity opens it for replies from To, the number the SMS goes
	// to, unless another survey is open for replies from it.
	Reply *ReplyClaim `json:"reply,omitempty"`
}

// RunEnd is the argument of RecordRunEndActivity: how the run ended, when
// (by the run's clock) and why, in words that name no customer (a failed
// step is named, not its error, which may quote an address).
type RunEnd struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	EndedAt    time.Time `json:"ended_at"`
}

// RunEndRecorded is the result of RecordRunEndActivity: Recorded is false
// when the end was recorded before (a retry) or the run has no record.
type RunEndRecorded struct {
	Recorded bool `json:"recorded"`
}

// ReplyClaim is what opening a survey for SMS replies needs: the number
// the SMS goes to and the step's wait.
type ReplyClaim struct {
	To   string        `json:"to"`
	Wait time.Duration `json:"wait"`
}

// Survey is an opened survey: its ID (workflow ID + "/" + step id) and the
// signed link the customer answers through.
type Survey struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// ByReply is true when the survey takes its answer as an SMS reply
	// (OpenSurveyInput.Reply). When it was asked for and is false, Reason
	// says why the survey goes as a link instead.
	ByReply bool   `json:"by_reply,omitempty"`
	Reason  string `json:"reason,omitempty"`
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
	// ErrTypeSendSkipped: the contact policy skipped a send whose caller
	// cannot take a skipped outcome (an input without Contact).
	ErrTypeSendSkipped = "ccflow.SendSkipped"
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

// PurgeInput is one round of PurgeExpired.
type PurgeInput struct {
	// Batch is how many rows of each kind one transaction deletes; zero
	// means the activity's default.
	Batch int `json:"batch,omitempty"`
}

// Purged counts what retention deleted, by kind.
type Purged struct {
	Deliveries           int64 `json:"deliveries"`
	SMSStatuses          int64 `json:"sms_statuses"`
	Surveys              int64 `json:"surveys"`
	SurveyAnswers        int64 `json:"survey_answers"`
	CustomerInteractions int64 `json:"customer_interactions"`
	SuppressionReasons   int64 `json:"suppression_reasons"`
	RunsUnlinked         int64 `json:"runs_unlinked,omitempty"`
	PostedEvents         int64 `json:"posted_events,omitempty"`
	OutboxFiles          int64 `json:"outbox_files"`
	// WebhookEvents are webhook events deleted with their deliveries.
	WebhookEvents int64 `json:"webhook_events,omitempty"`
	// RecordedInteractions are ended interactions kept for simulations.
	RecordedInteractions int64 `json:"recorded_interactions,omitempty"`
}

func (p *Purged) add(o Purged) {
	p.Deliveries += o.Deliveries
	p.SMSStatuses += o.SMSStatuses
	p.Surveys += o.Surveys
	p.SurveyAnswers += o.SurveyAnswers
	p.CustomerInteractions += o.CustomerInteractions
	p.SuppressionReasons += o.SuppressionReasons
	p.RunsUnlinked += o.RunsUnlinked
	p.PostedEvents += o.PostedEvents
	p.OutboxFiles += o.OutboxFiles
	p.WebhookEvents += o.WebhookEvents
	p.RecordedInteractions += o.RecordedInteractions
}

// PurgeResult is what one round deleted, and whether it stopped before
// the end (More).
type PurgeResult struct {
	Purged
	// Retention is the worker's CCFLOW_RETENTION, Cutoff the time before
	// which data was deleted.
	Retention string    `json:"retention"`
	Cutoff    time.Time `json:"cutoff"`
	More      bool      `json:"more"`
}
