package entry

import (
	"fmt"
	"time"
)

// StepScheduleEvent is the type of ScheduleEvent steps.
const StepScheduleEvent = "schedule_event"

// ScheduleEvent schedules an event whose steps run beside the main steps
// once it comes due, After a duration or At a time.
type ScheduleEvent struct {
	Name  string `json:"name" kind:"event_name" required:"true" label:"Event name" help:"Names the event, such as follow-up, so that a clear_event step or an operator can cancel it; scheduling a name again replaces its pending event."`
	After string `json:"after" kind:"duration" label:"After" help:"How long after this step the event comes due, such as 1w; give after or at."`
	At    string `json:"at" kind:"event_time" label:"At" help:"When the event comes due: a time such as 2026-11-30T10:15:00Z or a date such as 2026-11-30, which may come from $(variables); give after or at."`
	Steps []Step `json:"steps" kind:"steps" required:"at least one step is required (what runs when the event comes due)" label:"Steps" help:"The steps that run when the event comes due."`
}

func init() {
	define[ScheduleEvent](StepScheduleEvent, "Schedule event",
		"Schedules steps to run later, beside the main steps, unless the event is cleared first.", inGroup(GroupEvents))
}

// check requires exactly one of after and at.
func (s *ScheduleEvent) check(c *checker) {
	switch {
	case s.After == "" && s.At == "":
		c.addf("after", "after or at is required (a duration such as 1d, or a time such as 2026-11-30T10:15:00Z)")
	case s.After != "" && s.At != "":
		c.addf("at", "give after or at, not both")
	}
}

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
