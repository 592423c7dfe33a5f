package entry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

// withEvents is valid() with a scheduled event (steps[4]) and the step that
// clears it (steps[5]); each case breaks one rule.
func withEvents() entry.Entry {
	e := valid()
	e.Steps = append(e.Steps,
		entry.Step{ID: "schedule", Spec: &entry.ScheduleEvent{Name: "follow-up", After: "1w",
			Steps: []entry.Step{{ID: "follow-up-sms", Spec: &entry.SendSMS{Text: entry.Plain("All good, $(customer.first_name)?")}}}}},
		entry.Step{ID: "clear", Spec: &entry.ClearEvent{Name: "follow-up"}},
	)
	return e
}

// The steps withEvents adds.
func schedule(e *entry.Entry) *entry.ScheduleEvent { return spec[*entry.ScheduleEvent](e.Steps[4]) }
func clearing(e *entry.Entry) *entry.ClearEvent    { return spec[*entry.ClearEvent](e.Steps[5]) }

// eventNested is nested(depth) whose innermost step schedules an event of
// one wait step, one level deeper.
func eventNested(depth int) []entry.Step {
	steps := []entry.Step{{Spec: &entry.ScheduleEvent{Name: "deep", After: "1d", Steps: waits(1)}}}
	for range depth - 1 {
		steps = []entry.Step{{Spec: &entry.If{Condition: "true", Then: steps}}}
	}
	return steps
}

func TestValidateEventSteps(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*entry.Entry)
		path    string
		message string
	}{
		// schedule_event
		{"event name required", func(e *entry.Entry) { schedule(e).Name = "" }, "steps[4].name", "is required"},
		{"event name characters", func(e *entry.Entry) { schedule(e).Name = "follow up" },
			"steps[4].name", `"follow up" must be 1 to 64 letters, digits, '_' or '-'`},
		{"event name at most 64 characters", func(e *entry.Entry) { schedule(e).Name = strings.Repeat("e", 65) },
			"steps[4].name", "must be 1 to 64"},
		{"after or at required", func(e *entry.Entry) { schedule(e).After = "" }, "steps[4].after", "after or at is required"},
		{"not both after and at", func(e *entry.Entry) { schedule(e).At = "2026-11-30" }, "steps[4].at", "give after or at, not both"},
		{"after parses", func(e *entry.Entry) { schedule(e).After = "3 dayz" }, "steps[4].after", `"3 dayz" is not a duration`},
		{"after longer than zero", func(e *entry.Entry) { schedule(e).After = "0s" }, "steps[4].after", `"0s" must be longer than zero`},
		{"after at most 365 days", func(e *entry.Entry) { schedule(e).After = "53w" }, "steps[4].after", `"53w" is longer than 365 days`},
		{"at without variables is a time", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "next week" },
			"steps[4].at", `"next week" is not a time (use RFC 3339`},
		{"at is a real date", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "2026-13-01" },
			"steps[4].at", `"2026-13-01" is not a time`},
		{"at template well formed", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "$(callback_at" },
			"steps[4].at", "without its closing )"},
		{"event steps required", func(e *entry.Entry) { schedule(e).Steps = nil }, "steps[4].steps", "at least one step is required"},
		{"event steps validated", func(e *entry.Entry) { spec[*entry.SendSMS](schedule(e).Steps[0]).Text = entry.Plain("") }, "steps[4].steps[0].text", "is required"},
		{"event step ids unique across the entry", func(e *entry.Entry) { schedule(e).Steps[0].ID = "survey" },
			"steps[4].steps[0].id", `"survey" is already the id of steps[0]`},
		{"event steps count towards the 200 steps", func(e *entry.Entry) {
			e.Steps = append(waits(150), entry.Step{Spec: &entry.ScheduleEvent{Name: "later", After: "1d", Steps: waits(50)}})
		}, "steps", "has 201 steps in all"},
		{"event steps count as nesting", func(e *entry.Entry) { e.Steps = eventNested(8) },
			"steps[0].then[0].then[0].then[0].then[0].then[0].then[0].then[0].steps", "nested 9 levels deep; at most 8"},
		// clear_event
		{"cleared name required", func(e *entry.Entry) { clearing(e).Name = "" }, "steps[5].name", "is required"},
		{"cleared name characters", func(e *entry.Entry) { clearing(e).Name = "follow/up" },
			"steps[5].name", `"follow/up" must be 1 to 64 letters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := withEvents()
			tt.change(&e)

			err := entry.Validate(e, entry.DefaultCatalog())

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestValidateAcceptsEventSteps(t *testing.T) {
	tests := []struct {
		name   string
		change func(*entry.Entry)
	}{
		{"after and a later clear", func(*entry.Entry) {}},
		{"at an RFC 3339 time", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "2026-11-30T10:15:00Z" }},
		{"at a time with an offset", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "2026-11-30T10:15:00-05:00" }},
		{"at a date", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "2026-11-30" }},
		{"at a date in the past, which fires at once", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "2020-01-01" }},
		{"at from a variable", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "$(callback_at)" }},
		{"at a date from a variable and a time", func(e *entry.Entry) { schedule(e).After, schedule(e).At = "", "$(callback_date)T09:00:00Z" }},
		{"after 365 days", func(e *entry.Entry) { schedule(e).After = "365d" }},
		{"event name of 64 characters", func(e *entry.Entry) {
			schedule(e).Name, clearing(e).Name = strings.Repeat("e", 64), strings.Repeat("e", 64)
		}},
		{"clearing a name no step schedules", func(e *entry.Entry) { clearing(e).Name = "scheduled-by-nobody" }},
		{"an event that schedules and clears events", func(e *entry.Entry) {
			schedule(e).Steps = append(schedule(e).Steps,
				entry.Step{Spec: &entry.ScheduleEvent{Name: "second", After: "1d", Steps: waits(1)}},
				entry.Step{Spec: &entry.ClearEvent{Name: "second"}})
		}},
		{"on_error on schedule_event and clear_event", func(e *entry.Entry) {
			e.Steps[4].OnError = waits(1)
			e.Steps[5].OnError = waits(1)
		}},
		{"event steps nested 8 deep", func(e *entry.Entry) { e.Steps = eventNested(7) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := withEvents()
			tt.change(&e)
			require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
		})
	}
}

func TestParseEventTime(t *testing.T) {
	tests := []struct {
		text string
		want time.Time
	}{
		{"2026-11-30T10:15:00Z", time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC)},
		{"2026-11-30T10:15:00.5Z", time.Date(2026, 11, 30, 10, 15, 0, 5e8, time.UTC)},
		{"2026-11-30T05:15:00-05:00", time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC)},
		{"2026-11-30", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := entry.ParseEventTime(tt.text)
			require.NoError(t, err)
			require.True(t, tt.want.Equal(got), "got %s", got)
		})
	}
}

func TestParseEventTimeRejects(t *testing.T) {
	for _, text := range []string{"", "tomorrow", "2026-11-30 10:15", "30/11/2026", "2026-11-31"} {
		t.Run(text, func(t *testing.T) {
			_, err := entry.ParseEventTime(text)
			require.EqualError(t, err, `"`+text+`" is not a time (use RFC 3339 such as 2026-11-30T10:15:00Z, or a date such as 2026-11-30)`)
		})
	}
}
