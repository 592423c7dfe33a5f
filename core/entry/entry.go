// Package entry defines workflow entries (what operators configure: triggers
// and steps) and validates them. It knows nothing of HTTP, SQL or Temporal.
package entry

import "time"

// Trigger types.
const (
	TriggerDisposition      = "disposition"
	TriggerCaseDisposition  = "case_disposition"
	TriggerAverageSentiment = "average_sentiment"
)

// Step types.
const (
	StepSendSurvey    = "send_survey"
	StepWait          = "wait"
	StepSendEmail     = "send_email"
	StepSendSMS       = "send_sms"
	StepSetVariable   = "set_variable"
	StepScheduleEvent = "schedule_event"
	StepClearEvent    = "clear_event"
	StepHTTPRequest   = "http_request"
	StepIf            = "if"
)

// Entry is one workflow entry at one version. A running workflow carries the
// whole Entry it was started with, so later edits never change it.
type Entry struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Service   string    `json:"service,omitempty"`
	Enabled   bool      `json:"enabled"`
	Triggers  []Trigger `json:"triggers"`
	Steps     []Step    `json:"steps"`
	Version   int       `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Definition is e without what the server assigns (version and update
// time): what an operator writes, compares and stores.
func (e Entry) Definition() Entry {
	e.Version, e.UpdatedAt = 0, time.Time{}
	return e
}

// Trigger is one condition under which an entry fires; an entry fires when
// any of its triggers holds.
type Trigger struct {
	Type        string   `json:"type"`
	Disposition string   `json:"disposition,omitempty"`
	Operator    string   `json:"operator,omitempty"`
	Threshold   *float64 `json:"threshold,omitempty"`
}

// Step is one step of an entry. It is a single flat struct, not one type per
// step kind, so entry files, the API and workflow history share one plain
// JSON shape; which fields apply depends on Type (see SPEC.md, Steps).
type Step struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type"`
	OnError []Step `json:"on_error,omitempty"`

	// send_survey, send_email, send_sms
	Channel  string `json:"channel,omitempty"`
	Question string `json:"question,omitempty"`
	To       string `json:"to,omitempty"`
	Subject  string `json:"subject,omitempty"`
	Text     string `json:"text,omitempty"`
	HTML     string `json:"html,omitempty"`
	Wait     string `json:"wait,omitempty"`

	// wait
	Duration string `json:"duration,omitempty"`

	// set_variable, schedule_event, clear_event
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`

	// schedule_event
	After string `json:"after,omitempty"`
	At    string `json:"at,omitempty"`
	Steps []Step `json:"steps,omitempty"`

	// http_request
	Method     string            `json:"method,omitempty"`
	URL        string            `json:"url,omitempty"`
	Connection string            `json:"connection,omitempty"`
	Path       string            `json:"path,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       string            `json:"body,omitempty"`
	Timeout    string            `json:"timeout,omitempty"`
	SaveAs     string            `json:"save_as,omitempty"`

	// if
	Condition string `json:"condition,omitempty"`
	Then      []Step `json:"then,omitempty"`
	Else      []Step `json:"else,omitempty"`
}

// Disposition scopes in the catalog.
const (
	ScopeInteraction = "interaction"
	ScopeCase        = "case"
)

// Catalog is the set of dispositions entries may name. It is data: the
// store seeds SPEC's defaults and a contact center can add its own.
type Catalog struct {
	// Interaction holds interaction dispositions.
	Interaction []string `json:"interaction"`
	// Case holds the non-final case dispositions.
	Case []string `json:"case"`
}

// DefaultCatalog is SPEC's default disposition catalog.
func DefaultCatalog() Catalog {
	return Catalog{
		Interaction: []string{"Problem solved", "Answer provided", "Spam", "Need more information",
			"Needs approval", "Approved", "Handled by other action"},
		Case: []string{"Need more information", "Needs approval", "Approved"},
	}
}
