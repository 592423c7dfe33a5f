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
// counts (Add), then, for the exact medians, the minutes to answer that
// MedianNeeds asks for (AddMinutes).
type Groups struct {
	plan   Plan
	values []Dim
	tally  map[GroupKey]*Tally
	needs  map[GroupKey]MedianNeed
	counts map[GroupKey]map[int]int64
	// total sums every group, for the answer's totals.
	total       Tally
	totalNeed   *MedianNeed
	totalCounts map[int]int64
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

// Add adds the counts c of values v in time group t, under the survey
// scale and skip reason of their row. Values the query's filter refuses
// are not added.
func (g *Groups) Add(t int, v Values, scale, reason string, c Counts) {
	if t < 0 || !g.plan.Query.Filter.Matches(v) {
		return
	}
	k := g.keyOf(t, v)
	tl := g.tally[k]
	if tl == nil {
		tl = &Tally{}
		g.tally[k] = tl
	}
	tl.Add(scale, reason, c)
	g.total.Add(scale, reason, c)
}

// AddFact adds a fact read from the facts: those in the plan's spans, and
// those not yet folded into the rollup, outside the spans. fromSpans
// tells which read it came from, so a fact is counted once.
func (g *Groups) AddFact(f Fact, fromSpans bool) {
	if !fromSpans && g.plan.InSpan(f.At) {
		return
	}
	g.Add(g.plan.GroupOf(f.At), f.Values, f.Scale, f.Reason, f.Counts())
}

// MinuteRange is a range of minutes to answer the exact medians need:
// [Lo, Hi), Hi -1 for no end.
type MinuteRange struct{ Lo, Hi int }

// MedianNeeds works out, once every count is in, which minutes the exact
// medians need, and returns them as ranges that do not overlap, so an
// answer read through them is read once.
func (g *Groups) MedianNeeds() []MinuteRange {
	g.needs = map[GroupKey]MedianNeed{}
	g.counts = map[GroupKey]map[int]int64{}
	seen := map[MinuteRange]bool{}
	var out []MinuteRange
	add := func(n MedianNeed) {
		r := MinuteRange{n.Lo, n.Hi}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for k, t := range g.tally {
		if n, ok := NeedForMedian(t.Bins); ok {
			g.needs[k] = n
			g.counts[k] = map[int]int64{}
			add(n)
		}
	}
	if n, ok := NeedForMedian(g.total.Bins); ok {
		g.totalNeed = &n
		g.totalCounts = map[int]int64{}
		add(n)
	}
	slices.SortFunc(out, func(a, b MinuteRange) int { return cmp.Compare(a.Lo, b.Lo) })
	var merged []MinuteRange
	for _, r := range out {
		if n := len(merged); n > 0 && (merged[n-1].Hi < 0 || r.Lo <= merged[n-1].Hi) {
			if last := &merged[n-1]; last.Hi >= 0 && (r.Hi < 0 || r.Hi > last.Hi) {
				last.Hi = r.Hi
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// AddMinutes adds n answers of values v, counted at `at`, that took
// minutes to answer. The store reads every answer of the period and
// filter whose minutes fall in a range MedianNeeds gave (once, however
// many ranges it falls in); each counts in its group when the group's
// range holds it.
func (g *Groups) AddMinutes(at time.Time, v Values, minutes int, n int64) {
	t := g.plan.GroupOf(at)
	if t < 0 || !g.plan.Query.Filter.Matches(v) {
		return
	}
	in := func(need MedianNeed) bool {
		return minutes >= need.Lo && (need.Hi < 0 || minutes < need.Hi)
	}
	k := g.keyOf(t, v)
	if need, ok := g.needs[k]; ok && in(need) {
		g.counts[k][minutes] += n
	}
	if g.totalNeed != nil && in(*g.totalNeed) {
		g.totalCounts[minutes] += n
	}
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
	slices.SortFunc(keys, func(a, b GroupKey) int {
		return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.V1, b.V1), cmp.Compare(a.V2, b.V2))
	})
	out := make([]Group, 0, len(keys))
	for _, k := range keys {
		t := g.tally[k]
		if t == nil {
			t = &Tally{}
		}
		f := FiguresOf(t)
		if need, ok := g.needs[k]; ok {
			m, err := Median(need, g.counts[k])
			if err != nil {
				return nil, Figures{}, fmt.Errorf("group %v: %w", k, err)
			}
			f.MedianMinutesToAnswer = &m
		}
		out = append(out, Group{Key: g.keyMap(k), Figures: f})
	}
	total := FiguresOf(&g.total)
	if g.totalNeed != nil {
		m, err := Median(*g.totalNeed, g.totalCounts)
		if err != nil {
			return nil, Figures{}, fmt.Errorf("totals: %w", err)
		}
		total.MedianMinutesToAnswer = &m
	}
	return out, total, nil
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
