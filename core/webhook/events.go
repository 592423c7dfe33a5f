package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/validation"
)

// The event types a subscription may ask for.
const (
	// SurveyAnswered: a customer answered a survey (late answers too).
	SurveyAnswered = "survey.answered"
	// MessageStatus: what became of an email or SMS: sent, failed or
	// skipped by ccflow, or a delivery status Twilio reported.
	MessageStatus = "message.status"
	// RunCompleted: a run ended (completed, failed, canceled, …).
	RunCompleted = "run.completed"
	// OptOutCreated: an address was opted out, by whatever path.
	OptOutCreated = "optout.created"
)

// Types lists the event types, in the order documentation shows them.
func Types() []string {
	return []string{SurveyAnswered, MessageStatus, RunCompleted, OptOutCreated}
}

// CheckTypes checks the events a subscription asks for: at least one,
// each a known type, none twice. It returns them sorted, and its errors
// name the field "events".
func CheckTypes(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, validation.Errorf("events", "is required: name at least one of %s", strings.Join(Types(), ", "))
	}
	seen := map[string]bool{}
	for i, t := range events {
		path := fmt.Sprintf("events[%d]", i)
		if !slices.Contains(Types(), t) {
			return nil, &validation.FieldError{Path: "events", Message: fmt.Sprintf("%s: %s is not an event type (use %s)",
				path, validation.Quote(t), strings.Join(Types(), ", "))}
		}
		if seen[t] {
			return nil, &validation.FieldError{Path: "events", Message: fmt.Sprintf("%s: %q is listed twice", path, t)}
		}
		seen[t] = true
	}
	out := slices.Clone(events)
	slices.Sort(out)
	return out, nil
}

// Event is one fact to tell subscribers of: its type, when it happened
// and its data (one of the *Data types of this package). The store keeps
// it with the keys that find it again when a customer's data is erased:
// the run it belongs to, the customer and the hash of the address.
type Event struct {
	Type string
	At   time.Time
	Data any
	// WorkflowID, CustomerID and AddressHash say whose data the event
	// holds; empty when it has none of that kind.
	WorkflowID  string
	CustomerID  string
	AddressHash string
}

// JSON is the event's data as JSON.
func (e Event) JSON() ([]byte, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, fmt.Errorf("encoding the data of a %s event: %w", e.Type, err)
	}
	return data, nil
}

// SurveyAnsweredData is the data of survey.answered: the answer and what
// it answers. Agent, Service, Disposition and Channel are the ended
// interaction's (Channel its channel, "voice" say); SurveyChannel is how
// the survey was sent (email or sms).
type SurveyAnsweredData struct {
	SurveyID      string    `json:"survey_id"`
	WorkflowID    string    `json:"workflow_id"`
	EntryID       string    `json:"entry_id"`
	EntryVersion  int       `json:"entry_version"`
	StepID        string    `json:"step_id"`
	InteractionID string    `json:"interaction_id"`
	CustomerID    string    `json:"customer_id"`
	Agent         string    `json:"agent"`
	Service       string    `json:"service"`
	Disposition   string    `json:"disposition"`
	Channel       string    `json:"channel"`
	SurveyChannel string    `json:"survey_channel"`
	Scale         string    `json:"scale"`
	Score         int       `json:"score"`
	Comment       string    `json:"comment"`
	AnsweredAt    time.Time `json:"answered_at"`
	// Late is true for an answer that came after the run stopped waiting
	// for it: stored and counted, but the run went on without it.
	Late bool `json:"late"`
}

// NewSurveyAnswered is the survey.answered event of d.
func NewSurveyAnswered(d SurveyAnsweredData) Event {
	return Event{Type: SurveyAnswered, At: d.AnsweredAt, Data: d, WorkflowID: d.WorkflowID, CustomerID: d.CustomerID}
}

// Where a message.status comes from.
const (
	// FromCCFlow: ccflow's own record of the send (sent, failed, skipped).
	FromCCFlow = "ccflow"
	// FromTwilio: a delivery status Twilio reported for an SMS.
	FromTwilio = "twilio"
)

// MessageStatusData is the data of message.status. Status is "sent"
// (the provider accepted it), "failed" (refused for good) or "skipped"
// (the contact policy or the provider's opt-out held it back, Reason says
// why) when Source is ccflow; Twilio's status (queued, sent, delivered,
// undelivered, failed, …) with its ErrorCode when Source is twilio.
type MessageStatusData struct {
	DeliveryID        string    `json:"delivery_id"`
	WorkflowID        string    `json:"workflow_id"`
	EntryID           string    `json:"entry_id"`
	StepID            string    `json:"step_id"`
	CustomerID        string    `json:"customer_id"`
	Channel           string    `json:"channel"`
	Status            string    `json:"status"`
	Source            string    `json:"source"`
	Reason            string    `json:"reason"`
	ErrorCode         string    `json:"error_code"`
	ProviderMessageID string    `json:"provider_message_id"`
	At                time.Time `json:"at"`
}

// NewMessageStatus is the message.status event of d.
func NewMessageStatus(d MessageStatusData) Event {
	return Event{Type: MessageStatus, At: d.At, Data: d, WorkflowID: d.WorkflowID, CustomerID: d.CustomerID}
}

// RunCompletedData is the data of run.completed: how a run ended.
// Status is Temporal's word for the close (completed, failed, canceled,
// terminated, timed_out); Reason says why when ccflow knows
// ("customer contacted again (INT-1002)", the failing step's error).
type RunCompletedData struct {
	WorkflowID    string    `json:"workflow_id"`
	RunID         string    `json:"run_id"`
	EntryID       string    `json:"entry_id"`
	EntryVersion  int       `json:"entry_version"`
	InteractionID string    `json:"interaction_id"`
	CustomerID    string    `json:"customer_id"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason"`
	StartedAt     time.Time `json:"started_at"`
	EndedAt       time.Time `json:"ended_at"`
}

// NewRunCompleted is the run.completed event of d.
func NewRunCompleted(d RunCompletedData) Event {
	return Event{Type: RunCompleted, At: d.EndedAt, Data: d, WorkflowID: d.WorkflowID, CustomerID: d.CustomerID}
}

// OptOutCreatedData is the data of optout.created. Address is nil when
// ccflow knows only the address's hash (an unsubscribe link carries no
// more). Source is the path: api, console, sms_keyword, twilio_21610 or
// unsubscribe_link.
type OptOutCreatedData struct {
	Channel   string    `json:"channel"`
	Address   *string   `json:"address"`
	Source    string    `json:"source"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// NewOptOutCreated is the optout.created event of d; addressHash is the
// opt-out's key, which finds the event again when the address's customer
// is erased.
func NewOptOutCreated(d OptOutCreatedData, addressHash string) Event {
	return Event{Type: OptOutCreated, At: d.CreatedAt, Data: d, AddressHash: addressHash}
}

// Body is what a delivery carries, as Standard Webhooks lays it out:
// {"type", "timestamp", "data"}, the timestamp being when the fact
// happened (RFC 3339 in UTC). data must be JSON. The same arguments make
// the same bytes, so every retry of a delivery carries the same body.
func Body(eventType string, at time.Time, data []byte) ([]byte, error) {
	body, err := json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{eventType, at.UTC().Format(time.RFC3339Nano), data})
	if err != nil {
		return nil, fmt.Errorf("encoding a %s body: %w", eventType, err)
	}
	return body, nil
}
