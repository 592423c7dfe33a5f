package results

import (
	"time"

	"github.com/ccflow/ccflow/core/validation"
)

// MaxPeriod is the longest period one results query may cover, in days.
const MaxPeriod = 400

// DefaultPeriod is how many days, today included, a query covers when it
// names no from.
const DefaultPeriod = 30

// DateLayout is how a day is written: in from and to, and as the key of a
// day or week group.
const DateLayout = "2006-01-02"

// Period is [From, To) in Zone.
type Period struct {
	From, To time.Time
	Zone     *time.Location
}

// LoadZone reads a time zone's IANA name (field names the parameter).
func LoadZone(field, name string) (*time.Location, error) {
	if err := validation.Line(64).Check(field, name); err != nil {
		return nil, err
	}
	if name == "" || name == "Local" {
		return nil, validation.Errorf(field, "%s is not a time zone (use an IANA name such as Europe/Paris or UTC)", validation.Quote(name))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, validation.Errorf(field, "%s is not a time zone (use an IANA name such as Europe/Paris or UTC)", validation.Quote(name))
	}
	return loc, nil
}

// ParseBound reads a bound of a period: a day (2026-11-23, the start of
// that day in loc; as an upper bound, end is true and it means the end of
// that day) or an RFC 3339 time.
func ParseBound(field, text string, loc *time.Location, end bool) (time.Time, error) {
	if err := validation.Line(64).Check(field, text); err != nil {
		return time.Time{}, err
	}
	if d, err := time.ParseInLocation(DateLayout, text, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return time.Time{}, validation.Errorf(field, "%s is neither a day (2026-11-23) nor a time (2026-11-23T10:15:00Z)", validation.Quote(text))
	}
	return t, nil
}

// ParsePeriod reads from and to (either may be "") in loc. Without to,
// the period ends with today; without from, it starts DefaultPeriod days
// before its end. A day as to includes that day. It refuses a from after
// to and, when limit is true, a period longer than MaxPeriod days, naming
// from.
func ParsePeriod(from, to string, loc *time.Location, now time.Time, limit bool) (Period, error) {
	p := Period{Zone: loc}
	var err error
	if to == "" {
		y, m, d := now.In(loc).Date()
		p.To = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	} else if p.To, err = ParseBound("to", to, loc, true); err != nil {
		return Period{}, err
	}
	if from == "" {
		local := p.To.In(loc)
		y, m, d := local.Date()
		p.From = time.Date(y, m, d-DefaultPeriod, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc)
	} else if p.From, err = ParseBound("from", from, loc, false); err != nil {
		return Period{}, err
	}
	switch {
	case !p.From.Before(p.To):
		return Period{}, validation.Errorf("from", "%s is not before to (%s)",
			p.From.In(loc).Format(time.RFC3339), p.To.In(loc).Format(time.RFC3339))
	case limit && p.To.Sub(p.From) > MaxPeriod*24*time.Hour+time.Hour:
		// An hour over: a period of whole local days gains one when it
		// spans the change to winter time.
		return Period{}, validation.Errorf("from", "the period from %s to %s is %.1f days long; at most %d",
			p.From.In(loc).Format(time.RFC3339), p.To.In(loc).Format(time.RFC3339), p.To.Sub(p.From).Hours()/24, MaxPeriod)
	}
	return p, nil
}

// TimeGroup is one group of a time dimension: a local day or week of the
// period, cut to the period's bounds.
type TimeGroup struct {
	// Key is the day's date, or the date of the week's Monday.
	Key      string
	From, To time.Time
}

// TimeGroups cuts p into local days (d is Day) or weeks starting on
// Monday (d is Week), in order; for any other d it is the one group of
// the whole period, with key "".
func TimeGroups(p Period, d Dim) []TimeGroup {
	if !d.IsTime() {
		return []TimeGroup{{From: p.From, To: p.To}}
	}
	local := p.From.In(p.Zone)
	y, m, day := local.Date()
	if d == Week {
		day -= (int(local.Weekday()) + 6) % 7 // back to Monday
	}
	step := 1
	if d == Week {
		step = 7
	}
	var out []TimeGroup
	for start := time.Date(y, m, day, 0, 0, 0, 0, p.Zone); start.Before(p.To); {
		sy, sm, sd := start.Date()
		next := time.Date(sy, sm, sd+step, 0, 0, 0, 0, p.Zone)
		g := TimeGroup{Key: time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC).Format(DateLayout), From: start, To: next}
		if g.From.Before(p.From) {
			g.From = p.From
		}
		if g.To.After(p.To) {
			g.To = p.To
		}
		if g.From.Before(g.To) {
			out = append(out, g)
		}
		start = next
	}
	return out
}

// TimeGroupOf returns the index in groups of the group t falls in, or -1.
// groups are in order and do not overlap, as TimeGroups makes them.
func TimeGroupOf(groups []TimeGroup, t time.Time) int {
	lo, hi := 0, len(groups)
	for lo < hi {
		mid := (lo + hi) / 2
		switch g := groups[mid]; {
		case t.Before(g.From):
			hi = mid
		case !t.Before(g.To):
			lo = mid + 1
		default:
			return mid
		}
	}
	return -1
}
