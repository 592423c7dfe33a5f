package vars

import (
	"slices"
	"strings"
)

// Reserved are the roots ccflow itself fills from the event and the run.
// Event variables and set_variable steps may not use them, so $(customer.email)
// always means the event's customer and never something an entry wrote.
var Reserved = []string{"interaction", "customer", "agent", "case", "survey", "entry", "error", "run"}

// IsReserved reports whether name, or the root of a dotted name, is reserved.
func IsReserved(name string) bool {
	root, _, _ := strings.Cut(name, ".")
	return slices.Contains(Reserved, root)
}

// Fields are the variables ccflow sets under each reserved root: the
// event's fields (interaction.Event.Vars), the last survey's answer
// (send_survey steps), the entry, the run's own choices (its language)
// and, in on_error steps, the error. A
// condition naming another field of these roots cannot be about anything
// a run has, and is refused when its entry is saved.
var Fields = map[string][]string{
	"interaction": {"id", "service", "channel", "disposition", "average_sentiment", "ended_at"},
	"customer":    {"id", "first_name", "last_name", "email", "phone", "time_zone", "language"},
	"agent":       {"id", "name"},
	"case":        {"id", "number", "disposition", "final"},
	"survey":      {"id", "url", "answered", "scale", "score", "comment", "answer_by"},
	"entry":       {"id", "name", "version"},
	"error":       {"message", "step"},
	// run.language is the language the run chose for its texts from
	// customer.language (entry.RunLanguage).
	"run": {"language"},
}
