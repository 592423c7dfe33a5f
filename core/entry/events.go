package entry

import (
	"fmt"
	"time"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
)

// ParseEventTime reads the time a schedule_event step's at names, once its
// template is rendered: RFC 3339 (2026-11-30T10:15:00Z), or a date
// (2026-11-30) meaning midnight UTC.
func ParseEventTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (use RFC 3339 such as 2026-11-30T10:15:00Z, or a date such as 2026-11-30)", s)
}

// checkScheduleEvent checks a schedule_event step: a name, exactly one of
// after and at, and the steps that run when the event comes due, which
// count towards the entry's limits like any nested steps.
func (v *validator) checkScheduleEvent(s Step, path string, depth int) {
	at := func(field string) string { return validation.Join(path, field) }
	v.checkEventName(s.Name, at("name"))
	switch {
	case s.After == "" && s.At == "":
		v.addf(at("after"), "after or at is required (a duration such as 1d, or a time such as 2026-11-30T10:15:00Z)")
	case s.After != "" && s.At != "":
		v.addf(at("at"), "give after or at, not both")
	case s.After != "":
		v.checkDuration(s.After, at("after"))
	default:
		v.checkEventTime(s.At, at("at"))
	}
	if len(s.Steps) == 0 {
		v.addf(at("steps"), "at least one step is required (what runs when the event comes due)")
	}
	v.checkSteps(s.Steps, at("steps"), depth+1)
}

// checkEventTime checks an at field: a template, which must already read
// as a time when it names no variable.
func (v *validator) checkEventTime(text, path string) {
	names, err := templates.Names(text)
	switch {
	case err != nil:
		v.add(path, err)
	case len(names) == 0:
		_, err := ParseEventTime(text)
		v.add(path, err)
	}
}

// checkEventName checks the name of a scheduled event. Names take the
// alphabet of step ids: operators type them into URLs to clear an event.
func (v *validator) checkEventName(name, path string) {
	switch {
	case name == "":
		v.addf(path, "is required (the event's name, such as follow-up)")
	case !validStepID(name):
		v.addf(path, "%q must be 1 to %d letters, digits, '_' or '-'", name, maxStepIDLen)
	}
}
