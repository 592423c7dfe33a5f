package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/zones"
)

// Day names as wait_until steps write them, Sunday first as time.Weekday
// counts.
var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// DayNames lists the day names wait_until takes, Monday first, as forms
// offer them.
func DayNames() []string {
	return append(slices.Clone(dayNames[1:]), dayNames[0])
}

// ParseDay reads a day name ("mon", any case) as a time.Weekday.
func ParseDay(name string) (time.Weekday, error) {
	if i := slices.Index(dayNames, strings.ToLower(strings.TrimSpace(name))); i >= 0 {
		return time.Weekday(i), nil
	}
	return 0, fmt.Errorf("%q is not a day (use %s)", name, strings.Join(DayNames(), ", "))
}

// Until is what a wait_until step waits for: the local time Clock on one
// of Days (none means every day), AtLeast from the moment the wait begins.
type Until struct {
	Clock   Clock
	Days    []time.Weekday
	AtLeast time.Duration
}

// maxUntilDays bounds the search for an allowed day: a week of days, past
// every holiday a policy can hold.
const maxUntilDays = maxHolidays + 8

// NextUntil is the moment a wait_until that begins at from ends: the
// soonest instant, no earlier than from + u.AtLeast, that is u.Clock on a
// local date in loc whose weekday is one of u.Days and that holiday does
// not name (holiday is given dates as time.DateOnly; nil names none).
//
// The local time on a date is the first instant the clock in loc reads it
// or later, as sending windows open:
//   - a time the clock skips (spring forward, 02:30 on a night that jumps
//     from 02:00 to 03:00) is the instant of the jump, which reads 03:00;
//   - a time the clock reads twice (fall back, 01:30 on a night that turns
//     02:00 back to 01:00) is the first of the two.
//
// It fails only when no date within maxUntilDays is allowed: a policy
// whose holidays cover every allowed weekday for years.
func NextUntil(from time.Time, u Until, loc *time.Location, holiday func(date string) bool) (time.Time, error) {
	threshold := from.Add(u.AtLeast)
	l := threshold.In(loc)
	// The day before too: where a transition turns the clock back over
	// midnight (America/Santiago), an instant's local date can be the
	// day before that of an instant just earlier.
	for k := -1; k <= maxUntilDays; k++ {
		date := time.Date(l.Year(), l.Month(), l.Day()+k, 12, 0, 0, 0, time.UTC) // the date alone, normalised
		day := date.Format(time.DateOnly)
		if (len(u.Days) > 0 && !slices.Contains(u.Days, date.Weekday())) || (holiday != nil && holiday(day)) {
			continue
		}
		t := firstReading(date.Year(), date.Month(), date.Day(), u.Clock, loc)
		if t.In(loc).Format(time.DateOnly) != day {
			continue // the date has no such time at all (a day a zone skipped whole)
		}
		if !t.Before(threshold) {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("no allowed day within %d days of %s: the days and holidays leave none", maxUntilDays, threshold.In(loc).Format(time.DateOnly))
}

// FormatLocal writes t for operators in the zone called zone, to the
// minute, with the zone's name: "2026-11-24 10:00 America/New_York".
func FormatLocal(t time.Time, zone string) string {
	loc, err := zones.Load(zone)
	if err != nil {
		loc, zone = time.UTC, "UTC"
	}
	return t.In(loc).Format("2006-01-02 15:04") + " " + zone
}

// UntilPlan is when a wait_until step that begins at a moment ends: At,
// in the zone called Zone, past the Holidays (dates) it passed over.
type UntilPlan struct {
	At       time.Time
	Zone     string
	Holidays []string
}

// PlanUntil is the plan of a wait_until step that begins at from, for a
// customer in customerZone of service: in the zone quiet hours find for
// them (Zone), past the policy's holidays for the service. fallbackZone is
// the server's default zone (CCFLOW_TIME_ZONE). The worker's activity and
// a simulation plan alike through it.
func (p Policy) PlanUntil(from time.Time, u Until, customerZone, service, fallbackZone string) (UntilPlan, error) {
	loc, zone := p.Zone(customerZone, service, fallbackZone)
	plan := UntilPlan{Zone: zone}
	at, err := NextUntil(from, u, loc, func(date string) bool {
		if p.IsHoliday(date, service) {
			plan.Holidays = append(plan.Holidays, date)
			return true
		}
		return false
	})
	if err != nil {
		return UntilPlan{}, err
	}
	plan.At = at
	return plan, nil
}
