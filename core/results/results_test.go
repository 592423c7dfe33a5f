package results_test

import (
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
)

func field(t *testing.T, err error) string {
	t.Helper()
	require.Error(t, err)
	fe := validation.First(err)
	require.NotNil(t, fe, "%v names no field", err)
	return fe.Path
}

func TestParseGroupBy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want []results.Dim
	}{
		{"agent", []results.Dim{results.Agent}},
		{"day,entry", []results.Dim{results.Day, results.Entry}},
		{" week , variant ", []results.Dim{results.Week, results.Variant}},
	} {
		got, err := results.ParseGroupBy(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got)
	}
	for _, bad := range []string{"", "agents", "day,week", "agent,agent", "entry,agent,day", "day,", "\x00"} {
		_, err := results.ParseGroupBy(bad)
		require.Equal(t, "group_by", field(t, err), "%q", bad)
	}
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	ny, err := results.LoadZone("tz", "America/New_York")
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

	p, err := results.ParsePeriod("", "", ny, now, true)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 24, 0, 0, 0, 0, ny), p.To, "the period ends with today, in the zone")
	require.Equal(t, time.Date(2026, 10, 25, 0, 0, 0, 0, ny), p.From, "and covers 30 days")

	p, err = results.ParsePeriod("2026-11-01", "2026-11-01", ny, now, true)
	require.NoError(t, err)
	require.Equal(t, 25*time.Hour, p.To.Sub(p.From), "a day as to includes that day: 1 November 2026 is 25 hours long in New York")

	p, err = results.ParsePeriod("2026-11-01T10:00:00+02:00", "2026-11-01T09:00:00Z", ny, now, true)
	require.NoError(t, err)
	require.Equal(t, time.Hour, p.To.Sub(p.From))

	for _, tt := range []struct{ from, to, field string }{
		{"2026-12-01", "2026-11-01", "from"},
		{"2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z", "from"},
		{"2025-01-01", "2026-11-01", "from"},
		{"2026-13-01", "", "from"},
		{"", "yesterday", "to"},
		{"2026-11-01\x00", "", "from"},
	} {
		_, err := results.ParsePeriod(tt.from, tt.to, ny, now, true)
		require.Equal(t, tt.field, field(t, err), "from %q to %q", tt.from, tt.to)
	}
	_, err = results.ParsePeriod("2025-01-01", "2026-11-01", ny, now, false)
	require.NoError(t, err, "lists take any period")

	p, err = results.ParsePeriod("2025-10-05", "2026-11-08", ny, now, true)
	require.NoError(t, err, "400 whole local days, over a change to winter time, are allowed")
	require.Equal(t, 400*24*time.Hour+time.Hour, p.To.Sub(p.From))
	_, err = results.ParsePeriod("2025-10-04", "2026-11-08", ny, now, true)
	require.Equal(t, "from", field(t, err), "401 days are not")
}

func TestLoadZone(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "Mars/Olympus", "Local", "../../etc/passwd", "UTC\x00"} {
		_, err := results.LoadZone("tz", bad)
		require.Equal(t, "tz", field(t, err), "%q", bad)
	}
}

// TestDaysAcrossDaylightSaving: local days are 23 and 25 hours long on
// the days the clocks change, and their keys are the local dates.
func TestDaysAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	ny, _ := time.LoadLocation("America/New_York")
	p := results.Period{From: time.Date(2026, 3, 7, 0, 0, 0, 0, ny), To: time.Date(2026, 3, 10, 0, 0, 0, 0, ny), Zone: ny}
	groups := results.TimeGroups(p, results.Day)
	var keys []string
	var hours []float64
	for _, g := range groups {
		keys = append(keys, g.Key)
		hours = append(hours, g.To.Sub(g.From).Hours())
	}
	require.Equal(t, []string{"2026-03-07", "2026-03-08", "2026-03-09"}, keys)
	require.Equal(t, []float64{24, 23, 24}, hours)

	lh, _ := time.LoadLocation("Australia/Lord_Howe") // half an hour of daylight saving
	p = results.Period{From: time.Date(2026, 4, 4, 0, 0, 0, 0, lh), To: time.Date(2026, 4, 6, 0, 0, 0, 0, lh), Zone: lh}
	groups = results.TimeGroups(p, results.Day)
	require.Len(t, groups, 2)
	require.Equal(t, 24.0, groups[0].To.Sub(groups[0].From).Hours())
	require.Equal(t, 24.5, groups[1].To.Sub(groups[1].From).Hours(), "5 April 2026: the clocks go back half an hour")
}

func TestWeeksStartOnMonday(t *testing.T) {
	t.Parallel()
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	p := results.Period{From: time.Date(2026, 11, 25, 12, 0, 0, 0, kolkata), To: time.Date(2026, 12, 10, 0, 0, 0, 0, kolkata), Zone: kolkata}
	groups := results.TimeGroups(p, results.Week)
	require.Len(t, groups, 3)
	require.Equal(t, "2026-11-23", groups[0].Key, "the Monday of the week the period starts in")
	require.Equal(t, p.From, groups[0].From, "cut to the period")
	require.Equal(t, time.Date(2026, 11, 30, 0, 0, 0, 0, kolkata), groups[0].To)
	require.Equal(t, "2026-12-07", groups[2].Key)
	require.Equal(t, p.To, groups[2].To)
}

// TestDecomposeTilesThePeriod: blocks and spans cover any period exactly
// once, blocks start on their grain, and a span is never as long as a
// whole bucket of the finest grain that would fit.
func TestDecomposeTilesThePeriod(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 2000 {
		grains := results.Levels[rng.IntN(len(results.Levels))].Grains
		if len(grains) == 0 {
			continue
		}
		from := base.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
		if rng.IntN(2) == 0 {
			from = results.Quarter.Floor(from)
		}
		to := from.Add(time.Duration(rng.Int64N(int64(20*24*time.Hour))) + time.Second)
		blocks, spans := results.Decompose(from, to, grains)
		type piece struct{ from, to time.Time }
		var pieces []piece
		for _, b := range blocks {
			require.True(t, b.Grain.Aligned(b.Start))
			require.Contains(t, grains, b.Grain)
			pieces = append(pieces, piece{b.Start, b.End()})
		}
		finest := slices.MinFunc(grains, func(a, b results.Grain) int { return cmp.Compare(a.Size(), b.Size()) })
		for _, s := range spans {
			require.True(t, s.From.Before(s.To))
			require.LessOrEqual(t, s.To.Sub(s.From), 2*finest.Size(), "a span is only the part of a bound's bucket")
			pieces = append(pieces, piece{s.From, s.To})
		}
		slices.SortFunc(pieces, func(a, b piece) int { return a.from.Compare(b.from) })
		at := from
		for _, p := range pieces {
			require.True(t, p.from.Equal(at), "a gap or an overlap at %s", at)
			at = p.to
		}
		require.True(t, at.Equal(to))
	}
}

// TestHalfHourZoneReadsItsHalfHoursFromTheFacts: a day in Kolkata
// (+05:30) is 23 UTC hours and two half hours read from the facts.
func TestHalfHourZoneReadsItsHalfHoursFromTheFacts(t *testing.T) {
	t.Parallel()
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	q := results.Query{Period: results.Period{From: time.Date(2026, 11, 1, 0, 0, 0, 0, kolkata),
		To: time.Date(2026, 11, 3, 0, 0, 0, 0, kolkata), Zone: kolkata}, GroupBy: []results.Dim{results.Day}}
	plan := results.NewPlan(q)
	require.Equal(t, "time", plan.Level.Name)
	require.Len(t, plan.Spans, 4, "each day starts and ends on a half hour")
	require.Len(t, plan.Blocks, 2*8, "an hour and four hours to midnight UTC, four hours to 16:00, two hours: 8 a day")

	q.GroupBy = []results.Dim{results.Day, results.Agent}
	plan = results.NewPlan(q)
	require.Equal(t, "agent", plan.Level.Name)
	require.Len(t, plan.Spans, 4, "each day starts and ends on a half hour, read from the facts")
	for _, s := range plan.Spans {
		require.Equal(t, 30*time.Minute, s.To.Sub(s.From))
	}
	require.Equal(t, 1, plan.GroupOf(time.Date(2026, 11, 2, 0, 0, 0, 0, kolkata)))
	require.Equal(t, -1, plan.GroupOf(time.Date(2026, 11, 3, 0, 0, 0, 0, kolkata)))
	require.True(t, plan.InSpan(time.Date(2026, 11, 1, 0, 10, 0, 0, kolkata)))
	require.False(t, plan.InSpan(time.Date(2026, 11, 1, 1, 10, 0, 0, kolkata)))

	q.GroupBy = []results.Dim{results.Day, results.Service}
	q.Filter = results.Filter{Agent: "A-7"}
	plan = results.NewPlan(q)
	require.Equal(t, "facts", plan.Level.Name, "no level keeps service and agent")
	require.Empty(t, plan.Blocks)
	require.Len(t, plan.Spans, 2, "each day, read from the facts")
}

func TestLevelFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		need []results.Dim
		want string
	}{
		{[]results.Dim{results.Day}, "time"},
		{[]results.Dim{results.Week, results.Entry}, "entry"},
		{[]results.Dim{results.Agent}, "agent"},
		{[]results.Dim{results.Agent, results.Entry}, "entry-agent"},
		{[]results.Dim{results.Agent, results.Service}, "facts"},
		{[]results.Dim{results.Disposition, results.Channel}, "facts"},
	} {
		require.Equal(t, tt.want, results.LevelFor(tt.need).Name, "%v", tt.need)
	}
}

func TestMinuteBins(t *testing.T) {
	t.Parallel()
	for m := range 50000 {
		b := results.MinuteBin(m)
		lo, hi := results.BinBounds(b)
		require.GreaterOrEqual(t, m, lo)
		if hi >= 0 {
			require.Less(t, m, hi)
		}
	}
	require.Equal(t, results.NumBins-1, results.MinuteBin(1_000_000))
}

// TestMedianIsExact compares the median found through the bins and the
// minutes of one or two of them with the median of the sorted values.
func TestMedianIsExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		n := 1 + rng.IntN(60)
		values := make([]int, n)
		for i := range values {
			switch rng.IntN(3) {
			case 0:
				values[i] = rng.IntN(30)
			case 1:
				values[i] = rng.IntN(3000)
			default:
				values[i] = rng.IntN(100000)
			}
		}
		var bins [results.NumBins]int64
		for _, v := range values {
			bins[results.MinuteBin(v)]++
		}
		need, ok := results.NeedForMedian(bins)
		require.True(t, ok)
		counts := map[int]int64{}
		for _, v := range values {
			if v >= need.Lo && (need.Hi < 0 || v < need.Hi) {
				counts[v]++
			}
		}
		got, err := results.Median(need, counts)
		require.NoError(t, err)
		slices.Sort(values)
		want := float64(values[(n-1)/2]+values[n/2]) / 2
		require.Equal(t, want, got, "%v", values)
	}
	_, ok := results.NeedForMedian([results.NumBins]int64{})
	require.False(t, ok)
}

func TestMedianRefusesCountsThatDoNotAddUp(t *testing.T) {
	t.Parallel()
	var bins [results.NumBins]int64
	bins[results.MinuteBin(500)] = 3
	need, _ := results.NeedForMedian(bins)
	require.False(t, need.Known, "500 minutes is in a bin 15 minutes wide")
	_, err := results.Median(need, map[int]int64{500: 2})
	require.Error(t, err)
	bins = [results.NumBins]int64{}
	bins[results.MinuteBin(5)], bins[results.MinuteBin(8)] = 1, 1
	need, _ = results.NeedForMedian(bins)
	require.True(t, need.Known, "bins one minute wide give the median")
	require.Equal(t, 6.5, need.Value)
}

func tally(rows ...struct {
	scale string
	score int
	n     int64
},
) *results.Tally {
	t := &results.Tally{}
	for _, r := range rows {
		t.AddFact(results.Fact{Kind: results.KindSurveySent, N: r.n, Scale: r.scale, Minutes: -1})
		t.AddFact(results.Fact{Kind: results.KindAnswered, N: r.n, Scale: r.scale, Score: r.score, Minutes: -1})
	}
	return t
}

type row = struct {
	scale string
	score int
	n     int64
}

func TestFigures(t *testing.T) {
	t.Parallel()
	f := results.FiguresOf(tally(row{"1-5", 5, 2}, row{"1-5", 4, 1}, row{"1-5", 2, 1}))
	require.Equal(t, 75.0, *f.CSAT)
	require.Nil(t, f.NPS)
	require.Equal(t, 4.0, *f.MeanScore)
	require.Equal(t, results.ScoreCounts{1: 0, 2: 1, 3: 0, 4: 1, 5: 2}, f.Scores)
	out, err := json.Marshal(f.Scores)
	require.NoError(t, err)
	require.JSONEq(t, `{"1":0,"2":1,"3":0,"4":1,"5":2}`, string(out))
	require.Equal(t, `{"1":0,"2":1,"3":0,"4":1,"5":2}`, string(out), "in score order")

	f = results.FiguresOf(tally(row{"0-10", 10, 3}, row{"0-10", 9, 1}, row{"0-10", 7, 2}, row{"0-10", 3, 4}))
	require.Nil(t, f.CSAT)
	require.Equal(t, 0.0, *f.NPS, "4 promoters and 4 detractors of 10")
	require.Len(t, f.Scores, 11)
	require.Equal(t, 1.0, *f.Surveys.ResponseRate)

	f = results.FiguresOf(tally(row{"0-10", 10, 1}, row{"1-5", 5, 1}, row{"0-10", 5, 1}))
	require.Equal(t, 100.0, *f.CSAT)
	require.Equal(t, 0.0, *f.NPS)
	require.Nil(t, f.MeanScore, "no mean across two scales")
	require.Equal(t, map[string]results.ScoreCounts{
		"1-5":  {1: 0, 2: 0, 3: 0, 4: 0, 5: 1},
		"0-10": {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 0, 7: 0, 8: 0, 9: 0, 10: 1},
	}, f.ScoresByScale, "each scale's scores apart")
	require.Equal(t, int64(2), f.Scores[5], "scores together count a 5 of each")

	f = results.FiguresOf(&results.Tally{})
	require.Nil(t, f.CSAT)
	require.Nil(t, f.NPS)
	require.Nil(t, f.MeanScore)
	require.Nil(t, f.Surveys.ResponseRate, "nothing sent: no rate")
	require.Len(t, f.Scores, len(scale.CSAT.Scores()))
	require.NotNil(t, f.Messages.Skipped, "skipped is an object even when empty")
}

func TestTallyOfFacts(t *testing.T) {
	t.Parallel()
	var tl results.Tally
	tl.AddFact(results.Fact{Kind: results.KindAnswered, N: 1, Scale: "0-10", Score: 0, Minutes: 7})
	require.Equal(t, int64(1), tl.Answered())
	require.Equal(t, int64(1), tl.Scales[1].Scores[0])
	require.Equal(t, int64(1), tl.BinCounts()[results.MinuteBin(7)])
	tl.AddFact(results.Fact{Kind: results.KindAnswered, N: 1, Scale: "1-5", Score: 3, Minutes: -1})
	require.Equal(t, int64(1), tl.BinCounts()[results.MinuteBin(7)], "minutes unknown: in no bin")
	tl.AddFact(results.Fact{Kind: results.KindMinutes, N: 1, Scale: "1-5", Minutes: 7})
	require.Equal(t, int64(2), tl.BinCounts()[results.MinuteBin(7)], "minutes learnt after the answer")
	require.Equal(t, int64(2), tl.Answered())
	tl.AddFact(results.Fact{Kind: results.KindRun, N: -1, Minutes: -1})
	require.Equal(t, int64(-1), tl.Runs)
	tl.AddFact(results.Fact{Kind: results.KindSkipped, N: 1, Reason: "opted_out", Minutes: -1})
	require.Equal(t, map[string]int64{"opted_out": 1}, tl.SkippedBy)
	require.Equal(t, 0, results.MinutesBetween(time.Unix(100, 0), time.Unix(50, 0)))
	require.Equal(t, 2, results.MinutesBetween(time.Unix(0, 0), time.Unix(179, 0)))
}

// TestTallyDetailRoundTrips: what a tally holds beyond its columns
// encodes and decodes to the same, randomized, and a broken detail is an
// error, never a wrong count.
func TestTallyDetailRoundTrips(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 9))
	kinds := results.Kinds
	var reused results.Tally // as a read decodes every row into one
	for range 500 {
		var tl results.Tally
		for range rng.IntN(40) {
			tl.AddFact(results.Fact{Kind: kinds[rng.IntN(len(kinds))], N: int64(1 - 2*rng.IntN(2)),
				Scale: []string{"1-5", "0-10"}[rng.IntN(2)], Reason: []string{"opted_out", "daily_cap", ""}[rng.IntN(3)],
				Score: rng.IntN(11), Minutes: rng.IntN(60000) - 1})
		}
		var back results.Tally
		require.NoError(t, back.UnmarshalDetail(tl.MarshalDetail()))
		back.Runs, back.Sent, back.Delivered, back.Failed, back.Held, back.Skipped = tl.Runs, tl.Sent, tl.Delivered, tl.Failed, tl.Held, tl.Skipped
		require.Equal(t, results.FiguresOf(&tl), results.FiguresOf(&back))
		require.Equal(t, tl.BinCounts(), back.BinCounts())
		reused.Reset()
		require.NoError(t, reused.UnmarshalDetail(tl.MarshalDetail()))
		require.Equal(t, back.BinCounts(), reused.BinCounts(), "a reset tally holds nothing of the row before")
		require.Equal(t, back.Scales, reused.Scales)
		require.Equal(t, len(back.SkippedBy), len(reused.SkippedBy))
	}
	var tl results.Tally
	tl.AddFact(results.Fact{Kind: results.KindSkipped, N: 3, Reason: "daily_cap", Minutes: -1})
	data := tl.MarshalDetail()
	for _, bad := range [][]byte{{9}, data[:len(data)-1], append(append([]byte{}, data...), 0)} {
		var back results.Tally
		require.ErrorIs(t, back.UnmarshalDetail(bad), results.ErrDetail)
	}
	require.LessOrEqual(t, len(data), 24, "a bucket's detail is small")
}

func TestWeeksStartOnMondayUTC(t *testing.T) {
	t.Parallel()
	thursday := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)
	require.Equal(t, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), results.UTCWeek.Floor(thursday))
	require.True(t, results.UTCWeek.Aligned(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), results.UTCDay.Floor(thursday))
}
