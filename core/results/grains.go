package results

import (
	"cmp"
	"slices"
	"time"
)

// Grain is the length of the UTC buckets an aggregate level is kept in.
// A local day is whole UTC hours in most zones; in a zone whose offset is
// not a whole number of hours (:30 and :45) and at a bound that falls
// inside an hour (an RFC 3339 bound at 10:07), the part of the hour is
// read from the facts themselves (Span), so every bound is exact, in any
// zone, across daylight-saving changes. The coarser grains make long
// periods cheap to read.
type Grain int16

// The grains. Their numbers are stored: never renumber (so they are not
// in the order of their sizes: compare Size).
const (
	Quarter Grain = 0
	Hour    Grain = 1
	UTCDay  Grain = 2
	// UTCWeek is seven UTC days from a Monday.
	UTCWeek Grain = 3
	// FourHours is four UTC hours from midnight: a local day whose
	// midnight is not a UTC one is 9 buckets or so, not 24.
	FourHours Grain = 4
)

// Grains lists every grain, finest first.
var Grains = []Grain{Quarter, Hour, FourHours, UTCDay, UTCWeek}

// Size is the length of a bucket of g.
func (g Grain) Size() time.Duration {
	switch g {
	case Quarter:
		return 15 * time.Minute
	case Hour:
		return time.Hour
	case FourHours:
		return 4 * time.Hour
	case UTCWeek:
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// Origin is the start of a bucket of every grain: Monday 5 January 1970,
// a UTC midnight, so weeks start on Mondays.
var Origin = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// Floor is the start of the bucket of g that t falls in. Buckets are
// counted from Origin.
func (g Grain) Floor(t time.Time) time.Time {
	size := int64(g.Size() / time.Second)
	s := t.Unix() - Origin.Unix()
	s -= ((s % size) + size) % size
	return time.Unix(s+Origin.Unix(), 0).UTC()
}

// Aligned reports whether t starts a bucket of g.
func (g Grain) Aligned(t time.Time) bool {
	return t.Nanosecond() == 0 && g.Floor(t).Equal(t)
}

// Block is one bucket of one grain.
type Block struct {
	Grain Grain
	Start time.Time
}

// End is where b ends.
func (b Block) End() time.Time { return b.Start.Add(b.Grain.Size()) }

// Span is [From, To): a part of a period no bucket covers exactly, read
// from the facts.
type Span struct {
	From, To time.Time
}

// Contains reports whether t is in s.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// Decompose covers [from, to) with the fewest buckets of grains it can,
// coarsest first where they fit, and returns them in order with the
// spans no bucket covers (at the bounds, when they fall inside a bucket
// of the finest grain; all of it without grains). Blocks and spans
// together cover [from, to) exactly, once.
func Decompose(from, to time.Time, grains []Grain) ([]Block, []Span) {
	if len(grains) == 0 {
		return nil, []Span{{From: from, To: to}}
	}
	desc := slices.Clone(grains)
	slices.SortFunc(desc, func(a, b Grain) int { return cmp.Compare(b.Size(), a.Size()) })
	finest := desc[len(desc)-1]
	var blocks []Block
	var spans []Span
	for t := from; t.Before(to); {
		placed := false
		for _, g := range desc {
			if g.Aligned(t) && !t.Add(g.Size()).After(to) {
				blocks = append(blocks, Block{Grain: g, Start: t.UTC()})
				t = t.Add(g.Size())
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		next := finest.Floor(t).Add(finest.Size())
		if next.After(to) {
			next = to
		}
		if n := len(spans); n > 0 && spans[n-1].To.Equal(t) {
			spans[n-1].To = next
		} else {
			spans = append(spans, Span{From: t, To: next})
		}
		t = next
	}
	return blocks, spans
}
