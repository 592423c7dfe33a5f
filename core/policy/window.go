package policy

import (
	"fmt"
	"time"
)

// Clock is a time of day on a wall clock, in seconds after midnight.
type Clock int

// ParseClock reads "HH:MM", 00:00 to 23:59.
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not a time of day (use HH:MM, e.g. 08:00)", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, fmt.Errorf("%q is not a time of day (use HH:MM, e.g. 08:00)", s)
	}
	return Clock(h*3600 + m*60), nil
}

// wallClock is what a clock in loc reads at t, in seconds after midnight.
func wallClock(t time.Time, loc *time.Location) Clock {
	l := t.In(loc)
	return Clock(l.Hour()*3600 + l.Minute()*60 + l.Second())
}

// span is a parsed Window.
type span struct{ start, end Clock }

func (w *Window) span() (span, error) {
	s, err := ParseClock(w.Start)
	if err != nil {
		return span{}, err
	}
	e, err := ParseClock(w.End)
	if err != nil {
		return span{}, err
	}
	return span{s, e}, nil
}

// holds tells whether a wall clock reading c is inside the window.
func (w span) holds(c Clock) bool {
	if w.start < w.end {
		return c >= w.start && c < w.end
	}
	return c >= w.start || c < w.end // crosses midnight
}

// Open reports whether a send at t is inside w in loc; a nil window is
// always open.
func Open(w *Window, t time.Time, loc *time.Location) bool {
	if w == nil {
		return true
	}
	sp, err := w.span()
	if err != nil {
		return true // validated documents never get here
	}
	return sp.holds(wallClock(t, loc))
}

// NextOpening is the first instant after t at which w is open in loc: the
// first instant the clock reads the window's start or later, on a day that
// skips the start (a daylight-saving jump) the instant of the jump, and on
// a day that turns the clock back into the window the instant it does.
// For a t inside the window it returns t.
func NextOpening(w *Window, t time.Time, loc *time.Location) time.Time {
	if Open(w, t, loc) {
		return t
	}
	sp, _ := w.span()
	best := time.Time{}
	consider := func(u time.Time) {
		if u.After(t) && sp.holds(wallClock(u, loc)) && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	// The start on this local day and the next two: every window opens
	// within two days of any instant, and a daylight-saving day may skip one.
	l := t.In(loc)
	for k := 0; k <= 2; k++ {
		consider(firstReading(l.Year(), l.Month(), l.Day()+k, sp.start, loc))
	}
	// The clock jumps at zone transitions: one that lands inside the
	// window opens it there.
	for u, k := t, 0; k < 8; k++ {
		_, end := u.ZoneBounds()
		if end.IsZero() || end.Sub(t) > 72*time.Hour {
			break
		}
		consider(end)
		u = end
	}
	if best.IsZero() {
		return t.Add(24 * time.Hour) // unreachable for a validated window; never hold for ever
	}
	return best
}

// firstReading is the first instant on the local date y-m-d (normalised,
// so d may overflow the month) at which the clock in loc reads c or later.
// Where the clock reads c twice (it is turned back), that is the first
// time; where it never does (it jumps over c), the instant of the jump.
func firstReading(y int, m time.Month, d int, c Clock, loc *time.Location) time.Time {
	h, mi, s := int(c)/3600, int(c)%3600/60, int(c)%60
	naive := time.Date(y, m, d, h, mi, s, 0, time.UTC) // the wall reading as if it were UTC
	date := naive.Format(time.DateOnly)
	guess := time.Date(y, m, d, h, mi, s, 0, loc)
	// Every offset in force around the guess: one instant reads c under
	// each of them that holds there.
	start, end := guess.ZoneBounds()
	probes := []time.Time{guess}
	if !start.IsZero() {
		probes = append(probes, start.Add(-time.Nanosecond))
	}
	if !end.IsZero() {
		probes = append(probes, end)
	}
	var first time.Time
	for _, p := range probes {
		_, off := p.Zone()
		u := naive.Add(-time.Duration(off) * time.Second)
		if _, uoff := u.In(loc).Zone(); uoff == off && (first.IsZero() || u.Before(first)) {
			first = u
		}
	}
	if !first.IsZero() {
		return first
	}
	// c falls in a gap: the clock jumps from before c to after it at a
	// transition on that date. Before a jump over midnight (Santiago's
	// 00:00 to 01:00) the clock read the day before, a later reading than
	// c but an earlier date.
	for _, tr := range []time.Time{start, end} {
		if tr.IsZero() || tr.In(loc).Format(time.DateOnly) != date {
			continue
		}
		before := tr.Add(-time.Nanosecond)
		if wallClock(tr, loc) >= c && (wallClock(before, loc) < c || before.In(loc).Format(time.DateOnly) != date) {
			return tr
		}
	}
	return guess
}
