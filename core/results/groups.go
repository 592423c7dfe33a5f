package results

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// GroupKey names one group of a query: its time group (0 when the query
// has no time dimension) and its values of the query's value dimensions,
// in the query's order.
type GroupKey struct {
	Time   int
	V1, V2 string
}

// Groups sums what a plan reads into its groups, then computes their
// figures. The store feeds it in two passes within one snapshot: the
// tallies of the rollup's buckets and of the facts (Add, AddFact), then,
// for the exact medians, the minutes to answer that MinuteRequests asks
// for (AddMinutes).
type Groups struct {
	plan   Plan
	values []Dim
	tally  map[GroupKey]*Tally
	// sum is every group together, for the answer's totals.
	sum Tally
	// requests are the minutes the medians need, the totals' last;
	// known are the medians the bins alone gave.
	requests []MinuteRequest
	counts   []map[int]int64
	known    map[GroupKey]float64
	total    *float64
}

// NewGroups returns the empty groups of p.
func NewGroups(p Plan) *Groups {
	return &Groups{plan: p, values: p.Query.ValueGroupBy(), tally: map[GroupKey]*Tally{}}
}

// Plan is the plan the groups are read by.
func (g *Groups) Plan() Plan { return g.plan }

// keyOf is the key of the group of values v in time group t.
func (g *Groups) keyOf(t int, v Values) GroupKey {
	k := GroupKey{Time: t}
	if len(g.values) > 0 {
		k.V1 = v.Get(g.values[0])
	}
	if len(g.values) > 1 {
		k.V2 = v.Get(g.values[1])
	}
	return k
}

// Add adds the tally of values v in time group t: a bucket of the
// rollup. Values the query's filter refuses are not added.
func (g *Groups) Add(t int, v Values, tl *Tally) {
	if t < 0 || !g.plan.Query.Filter.Matches(v) {
		return
	}
	g.group(g.keyOf(t, v)).Merge(tl)
	g.sum.Merge(tl)
}

func (g *Groups) group(k GroupKey) *Tally {
	tl := g.tally[k]
	if tl == nil {
		tl = &Tally{}
		g.tally[k] = tl
	}
	return tl
}

// AddFact adds a fact read from the facts: those in the plan's spans, and
// those not yet folded into the rollup, outside the spans. fromSpans
// tells which read it came from, so a fact is counted once.
func (g *Groups) AddFact(f Fact, fromSpans bool) {
	if !fromSpans && g.plan.InSpan(f.At) {
		return
	}
	t := g.plan.GroupOf(f.At)
	if t < 0 || !g.plan.Query.Filter.Matches(f.Values) {
		return
	}
	g.group(g.keyOf(t, f.Values)).AddFact(f)
	g.sum.AddFact(f)
}

// MinuteRequest asks for the minutes to answer of one group's answers
// that fall in [Lo, Hi) (Hi -1: no end): those of the answers counted in
// [From, To) whose values match Values on Dims (and the query's filter).
type MinuteRequest struct {
	Dims     []Dim
	Values   Values
	From, To time.Time
	Lo, Hi   int
	// need is what the median needs of them.
	need MedianNeed
	key  *GroupKey
}

// MinuteRequests works out, once every tally is in, which minutes the
// exact medians need: one request per group whose median the bins alone
// do not give, and one for the totals'.
func (g *Groups) MinuteRequests() []MinuteRequest {
	g.requests = nil
	g.known = map[GroupKey]float64{}
	keys := slices.Collect(maps.Keys(g.tally))
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		need, ok := NeedForMedian(g.tally[k].BinCounts())
		if !ok {
			continue
		}
		if need.Known {
			g.known[k] = need.Value
			continue
		}
		r := MinuteRequest{Dims: g.values, From: g.plan.Query.From, To: g.plan.Query.To, Lo: need.Lo, Hi: need.Hi, need: need}
		if g.plan.Query.TimeDim() != "" {
			r.From, r.To = g.plan.Groups[k.Time].From, g.plan.Groups[k.Time].To
		}
		if len(g.values) > 0 {
			r.Values.Set(g.values[0], k.V1)
		}
		if len(g.values) > 1 {
			r.Values.Set(g.values[1], k.V2)
		}
		key := k
		r.key = &key
		g.requests = append(g.requests, r)
	}
	if need, ok := NeedForMedian(g.sum.BinCounts()); ok {
		if need.Known {
			g.total = &need.Value
		} else {
			g.requests = append(g.requests, MinuteRequest{From: g.plan.Query.From, To: g.plan.Query.To, Lo: need.Lo, Hi: need.Hi, need: need})
		}
	}
	g.counts = make([]map[int]int64, len(g.requests))
	for i := range g.counts {
		g.counts[i] = map[int]int64{}
	}
	return g.requests
}

// AddMinutes adds n answers of request i that took minutes to answer.
func (g *Groups) AddMinutes(i, minutes int, n int64) {
	g.counts[i][minutes] += n
}

// Group is one group's key and figures, as the answer shows them.
type Group struct {
	Key map[Dim]string `json:"key"`
	Figures
}

// Result is the figures of every group, in order (time first, then the
// values), and of all of them together. A query grouped by day or week
// alone has a group for every day or week of the period, empty or not.
func (g *Groups) Result() ([]Group, Figures, error) {
	keys := slices.Collect(maps.Keys(g.tally))
	if g.plan.Query.TimeDim() != "" && len(g.values) == 0 {
		for t := range g.plan.Groups {
			if _, ok := g.tally[GroupKey{Time: t}]; !ok {
				keys = append(keys, GroupKey{Time: t})
			}
		}
	}
	slices.SortFunc(keys, compareKeys)
	medians := maps.Clone(g.known)
	if medians == nil {
		medians = map[GroupKey]float64{}
	}
	total := FiguresOf(&g.sum)
	total.MedianMinutesToAnswer = g.total
	for i, r := range g.requests {
		m, err := Median(r.need, g.counts[i])
		if err != nil {
			if r.key != nil {
				return nil, Figures{}, fmt.Errorf("group %v: %w", *r.key, err)
			}
			return nil, Figures{}, fmt.Errorf("totals: %w", err)
		}
		if r.key == nil {
			total.MedianMinutesToAnswer = &m
			continue
		}
		medians[*r.key] = m
	}
	out := make([]Group, 0, len(keys))
	for _, k := range keys {
		t := g.tally[k]
		if t == nil {
			t = &Tally{}
		}
		f := FiguresOf(t)
		if m, ok := medians[k]; ok {
			f.MedianMinutesToAnswer = &m
		}
		out = append(out, Group{Key: g.keyMap(k), Figures: f})
	}
	return out, total, nil
}

func compareKeys(a, b GroupKey) int {
	return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.V1, b.V1), cmp.Compare(a.V2, b.V2))
}

// keyMap is k as the answer shows it: {"day": "2026-11-23", "agent": "A-7"}.
func (g *Groups) keyMap(k GroupKey) map[Dim]string {
	m := map[Dim]string{}
	if d := g.plan.Query.TimeDim(); d != "" {
		m[d] = g.plan.Groups[k.Time].Key
	}
	if len(g.values) > 0 {
		m[g.values[0]] = k.V1
	}
	if len(g.values) > 1 {
		m[g.values[1]] = k.V2
	}
	return m
}
