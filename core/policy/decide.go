package policy

import (
	"fmt"
	"time"
)

// Outcome is what Decide says of a send.
type Outcome string

// The outcomes of a decision.
const (
	// Send: the message goes out now.
	Send Outcome = "send"
	// Hold: the message waits until Decision.Until, then is decided again.
	Hold Outcome = "held"
	// Skip: the message is never sent; it is not a failure.
	Skip Outcome = "skipped"
)

// Reason codes of held and skipped sends, for logs and metrics.
const (
	CodeOptedOut       = "opted_out"
	CodeContactedAgain = "contacted_again"
	CodeSurveyGrace    = "survey_grace"
	CodeQuietHours     = "quiet_hours"
	CodeDailyCap       = "daily_cap"
	// CodeRollingCap: one of the policy's rolling caps is reached.
	CodeRollingCap = "rolling_cap"
	// CodeHoliday: the customer's local date is a holiday and the policy
	// says holidays_quiet.
	CodeHoliday = "holiday"
)

// Request is one send and the facts about its recipient that the store
// gathered; Decide needs nothing else.
type Request struct {
	// Now is when the send would happen.
	Now     time.Time
	Channel string
	// Survey is true for the message of a send_survey step.
	Survey bool
	// CustomerTimeZone is the event's customer.time_zone, Service its
	// service: they choose the zone (see Policy.Zone).
	CustomerTimeZone string
	Service          string
	// EntryQuietHours is the entry's override of the policy's windows.
	EntryQuietHours QuietHours
	// CancelOnNewInteraction is the entry's flag.
	CancelOnNewInteraction bool

	// OptedOut: the address is suppressed on the channel.
	OptedOut bool
	// ContactedAgain is the id of an interaction of the same customer that
	// ended after the run's own, or "".
	ContactedAgain string
	// LastSurvey is the customer's latest survey sent, if any.
	LastSurvey *Contact
	// RecentSends are the times of the customer's sends on Channel in the
	// last 26 hours (a local day is at most 25), for the daily cap.
	RecentSends []time.Time
	// CapSends are the customer's sends on every channel within the
	// longest window of the policy's rolling caps (LongestCapWindow), for
	// those caps; each with its Channel.
	CapSends []Contact
}

// Contact is one message sent to a customer.
type Contact struct {
	At      time.Time
	EntryID string
	// Channel is the channel it went by, where a rule counts channels.
	Channel string
}

// Decision is Decide's answer.
type Decision struct {
	Outcome Outcome `json:"outcome"`
	// Until is when a held send is decided again: the window's opening.
	Until time.Time `json:"until,omitzero"`
	// Code is a reason code (CodeOptedOut, …); "" for Send.
	Code string `json:"code,omitempty"`
	// Reason says it in an operator's words: "opted out", "quiet hours
	// until 2026-12-01 08:00 America/New_York", …; "" for Send.
	Reason string `json:"reason,omitempty"`
	// Zone is the time zone the send was judged in.
	Zone string `json:"zone"`
}

// Decide applies p to one send. The checks run in this order, the first
// that holds deciding: opted out (skip) → the customer contacted again and
// the entry cancels on it (skip) → survey grace, for surveys (skip) →
// outside the sending window, or on a holiday when the policy says
// holidays_quiet (hold until the first instant that is neither) → daily
// cap (skip) → rolling caps, in the policy's order (skip).
// fallbackZone is the server's default zone (CCFLOW_TIME_ZONE).
func (p Policy) Decide(r Request, fallbackZone string) Decision {
	loc, zone := p.Zone(r.CustomerTimeZone, r.Service, fallbackZone)
	skip := func(code, reason string) Decision {
		return Decision{Outcome: Skip, Code: code, Reason: reason, Zone: zone}
	}
	if r.OptedOut {
		return skip(CodeOptedOut, "opted out")
	}
	if r.CancelOnNewInteraction && r.ContactedAgain != "" {
		return skip(CodeContactedAgain, ContactedAgainReason(r.ContactedAgain))
	}
	if grace, err := p.Grace(); r.Survey && err == nil && grace > 0 && r.LastSurvey != nil && r.Now.Sub(r.LastSurvey.At) < grace {
		return skip(CodeSurveyGrace, fmt.Sprintf("survey grace: surveyed %s by entry %s",
			r.LastSurvey.At.In(loc).Format(time.DateOnly), r.LastSurvey.EntryID))
	}
	w := p.Window(r.Channel, r.EntryQuietHours)
	holiday := func(t time.Time) bool {
		return p.HolidaysQuiet && p.IsHoliday(t.In(loc).Format(time.DateOnly), r.Service)
	}
	if code := heldBy(w, holiday, r.Now, loc); code != "" {
		until := nextAllowed(w, holiday, r.Now, loc)
		words := "quiet hours"
		if code == CodeHoliday {
			words = "holiday"
		}
		return Decision{Outcome: Hold, Until: until, Code: code, Zone: zone,
			Reason: words + " until " + until.In(loc).Format("2006-01-02 15:04") + " " + zone}
	}
	if limit := p.MaxPerDay[r.Channel]; limit > 0 && sentToday(r.RecentSends, r.Now, loc) >= limit {
		return skip(CodeDailyCap, fmt.Sprintf("daily cap %d reached", limit))
	}
	for _, c := range p.Caps {
		if window, err := c.Window(); err == nil && c.counts(r.Channel) && sentWithin(r.CapSends, c, window, r.Now) >= c.Max {
			return skip(CodeRollingCap, fmt.Sprintf("cap %d per %s reached", c.Max, c.Per))
		}
	}
	return Decision{Outcome: Send, Zone: zone}
}

// heldBy says why a send at t is held: CodeHoliday on a holiday,
// CodeQuietHours outside the window, "" when neither.
func heldBy(w *Window, holiday func(time.Time) bool, t time.Time, loc *time.Location) string {
	switch {
	case holiday(t):
		return CodeHoliday
	case !Open(w, t, loc):
		return CodeQuietHours
	}
	return ""
}

// maxHoldSteps bounds nextAllowed's walk: every step passes a holiday (a
// day at least) or a window's closed hours, and a policy has at most
// maxHolidays holidays.
const maxHoldSteps = 2*maxHolidays + 16

// nextAllowed is the first instant from t on that is inside w and on no
// holiday: the window's opening, past the holidays that fall on it.
func nextAllowed(w *Window, holiday func(time.Time) bool, t time.Time, loc *time.Location) time.Time {
	for range maxHoldSteps {
		switch heldBy(w, holiday, t, loc) {
		case "":
			return t
		case CodeHoliday:
			l := t.In(loc)
			t = firstReading(l.Year(), l.Month(), l.Day()+1, 0, loc) // the next local midnight
		default:
			t = NextOpening(w, t, loc)
		}
	}
	return t // unreachable for a validated policy; Decide is asked again then
}

// sentWithin counts the sends c counts in the window of length window
// that ends at now: those after now-window. A send stamped later than now
// counts too: another attempt decided it first, with a clock it read
// after this attempt read now (each reads its clock before it waits for
// the customer's turn), as the daily cap counts it.
func sentWithin(sends []Contact, c Cap, window time.Duration, now time.Time) int {
	from := now.Add(-window)
	n := 0
	for _, s := range sends {
		if c.counts(s.Channel) && s.At.After(from) {
			n++
		}
	}
	return n
}

// ContactedAgainReason is how a run stopped by a new interaction says so.
func ContactedAgainReason(interactionID string) string {
	return "customer contacted again (" + interactionID + ")"
}

// sentToday counts the sends on now's local date in loc. A send stamped
// later than now counts too: another attempt decided it first, with a
// clock that reads later than this one (another host's, or one read
// before the customer's turn), and it is a send of the day all the same.
func sentToday(sends []time.Time, now time.Time, loc *time.Location) int {
	l := now.In(loc)
	dayStart := firstReading(l.Year(), l.Month(), l.Day(), 0, loc)
	next := l.AddDate(0, 0, 1)
	dayEnd := firstReading(next.Year(), next.Month(), next.Day(), 0, loc)
	n := 0
	for _, t := range sends {
		if !t.Before(dayStart) && t.Before(dayEnd) {
			n++
		}
	}
	return n
}

// HeldDetails says in words what a held send waits for, e.g. "held until
// 08:00 America/New_York (quiet hours)", with the date when it is not
// today's in that zone; "(holiday)" for a send held by a holiday.
func HeldDetails(d Decision, now time.Time) string {
	loc, err := time.LoadLocation(d.Zone)
	if err != nil {
		loc = time.UTC
	}
	u := d.Until.In(loc)
	when := u.Format("15:04")
	if u.Format(time.DateOnly) != now.In(loc).Format(time.DateOnly) {
		when = u.Format("2006-01-02 15:04")
	}
	why := " (quiet hours)"
	if d.Code == CodeHoliday {
		why = " (holiday)"
	}
	return "held until " + when + " " + d.Zone + why
}
