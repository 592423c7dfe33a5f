package results

import (
	"slices"
	"sort"
	"time"
)

// Level is one rollup of the aggregates: the counts of every fact summed
// by the dimensions the level keeps (the others summed away) in buckets
// of its grains. A query reads the smallest level that keeps every
// dimension it groups or filters by. Low-cardinality dimensions have
// levels of their own at every grain; the agent, who can number in the
// thousands, is kept by the hour, four hours, the day and the week, and
// with the entry by the day and the week (an entry's results by agent). Other combinations (service
// and agent, disposition and channel…) would make a rollup about as large
// as the facts themselves: those queries read the facts (FactsLevel),
// exact, and slower.
type Level struct {
	// ID is stored with the level's rows: never renumber.
	ID     int16
	Name   string
	Dims   []Dim
	Grains []Grain
}

// Keeps reports whether l keeps d.
func (l Level) Keeps(d Dim) bool { return slices.Contains(l.Dims, d) }

// byHourAndDay are the grains of the small levels: a local day is the
// UTC hours and four hours it covers (and, in a zone whose offset is not
// whole hours, two half or quarter hours read from the facts), a UTC day
// one bucket.
var byHourAndDay = []Grain{Hour, FourHours, UTCDay}

// Levels are the rollups the store keeps, smallest first.
var Levels = []Level{
	{ID: 0, Name: "time", Grains: byHourAndDay},
	{ID: 1, Name: "entry", Dims: []Dim{Entry}, Grains: byHourAndDay},
	{ID: 2, Name: "service", Dims: []Dim{Service}, Grains: byHourAndDay},
	{ID: 3, Name: "disposition", Dims: []Dim{Disposition}, Grains: byHourAndDay},
	{ID: 4, Name: "channel", Dims: []Dim{Channel}, Grains: byHourAndDay},
	{ID: 5, Name: "variant", Dims: []Dim{Variant}, Grains: byHourAndDay},
	{ID: 6, Name: "agent", Dims: []Dim{Agent}, Grains: []Grain{Hour, FourHours, UTCDay, UTCWeek}},
	{ID: 7, Name: "entry-agent", Dims: []Dim{Entry, Agent}, Grains: []Grain{UTCDay, UTCWeek}},
}

// FactsLevel is what a query no level keeps enough of reads: the facts
// themselves, every dimension, no bucket.
var FactsLevel = Level{ID: -1, Name: "facts", Dims: ValueDims}

// LevelFor is the smallest level that keeps every dimension of need, or
// FactsLevel.
func LevelFor(need []Dim) Level {
	for _, l := range Levels {
		if !slices.ContainsFunc(need, func(d Dim) bool { return !d.IsTime() && !l.Keeps(d) }) {
			return l
		}
	}
	return FactsLevel
}

// Query is a results query, checked.
type Query struct {
	Period
	// ZoneName is the zone's IANA name, as the answer says it.
	ZoneName string
	GroupBy  []Dim
	Filter   Filter
}

// TimeDim is the query's time dimension, "" when it has none.
func (q Query) TimeDim() Dim {
	for _, d := range q.GroupBy {
		if d.IsTime() {
			return d
		}
	}
	return ""
}

// ValueGroupBy is the query's value dimensions, in its order.
func (q Query) ValueGroupBy() []Dim {
	var out []Dim
	for _, d := range q.GroupBy {
		if !d.IsTime() {
			out = append(out, d)
		}
	}
	return out
}

// Plan is how a query is read: the level, the time groups, the buckets
// of the level that make up each time group, and the spans no bucket
// covers, which are read from the facts.
type Plan struct {
	Query  Query
	Level  Level
	Groups []TimeGroup
	Blocks []PlannedBlock
	Spans  []PlannedSpan
}

// PlannedBlock is a bucket of the plan's level and the time group it
// counts in.
type PlannedBlock struct {
	Block
	Group int
}

// PlannedSpan is a span read from the facts and the time group it counts in.
type PlannedSpan struct {
	Span
	Group int
}

// NewPlan plans q.
func NewPlan(q Query) Plan {
	need := append(slices.Clone(q.GroupBy), q.Filter.Dims()...)
	p := Plan{Query: q, Level: LevelFor(need), Groups: TimeGroups(q.Period, q.TimeDim())}
	for i, g := range p.Groups {
		blocks, spans := Decompose(g.From, g.To, p.Level.Grains)
		for _, b := range blocks {
			p.Blocks = append(p.Blocks, PlannedBlock{Block: b, Group: i})
		}
		for _, s := range spans {
			p.Spans = append(p.Spans, PlannedSpan{Span: s, Group: i})
		}
	}
	return p
}

// GroupOf is the time group a fact at t counts in, or -1 outside the
// period.
func (p Plan) GroupOf(t time.Time) int { return TimeGroupOf(p.Groups, t) }

// InSpan reports whether a fact at t is read through a span (and so must
// not be counted again as a pending fact of a bucket).
func (p Plan) InSpan(t time.Time) bool {
	// The spans are in time order, as the groups are.
	i := sort.Search(len(p.Spans), func(i int) bool { return p.Spans[i].To.After(t) })
	return i < len(p.Spans) && p.Spans[i].Contains(t)
}
