// Package entry defines workflow entries (what operators configure: triggers
// and steps) and validates them. It knows nothing of HTTP, SQL or Temporal.
//
// Each step type is defined in one file, step_<type>.go: its struct, whose
// tags declare its fields (fields.go says how), and the rules that span
// its fields. Nothing else lists the step types.
package entry

import (
	"time"

	"github.com/ccflow/ccflow/core/policy"
)

// Trigger types.
const (
	TriggerDisposition      = "disposition"
	TriggerCaseDisposition  = "case_disposition"
	TriggerAverageSentiment = "average_sentiment"
)

// Entry is one workflow entry at one version. A running workflow carries the
// whole Entry it was started with, so later edits never change it.
type Entry struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Service  string    `json:"service,omitempty"`
	Enabled  bool      `json:"enabled"`
	Triggers []Trigger `json:"triggers"`
	Steps    []Step    `json:"steps"`
	// QuietHours overrides the contact policy's sending windows for this
	// entry's messages, channel by channel (see policy.QuietHours).
	QuietHours policy.QuietHours `json:"quiet_hours,omitempty"`
	// CancelOnNewInteraction ends a run of this entry, before its next
	// send, when the same customer's next interaction ends.
	CancelOnNewInteraction bool `json:"cancel_on_new_interaction,omitempty"`
	// DefaultLanguage is the language (a BCP 47 tag) of the entry's plain
	// texts, which every text written per language must have: a run whose
	// customer's language is none the entry has reads it. "" is
	// i18n.Default, English.
	DefaultLanguage string `json:"default_language,omitempty"`
	// SamplePercent is the share of the events the entry matches that
	// start a run, 1 to 100; nil is 100 (see Sampled).
	SamplePercent *int      `json:"sample_percent,omitempty"`
	Version       int       `json:"version,omitempty"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
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
