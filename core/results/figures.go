package results

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/ccflow/ccflow/core/scale"
)

// Figures are what GET /v1/results answers of one group. Rates are
// fractions, CSAT and NPS percentages; a figure no answer counts in is
// null.
type Figures struct {
	Runs     int64    `json:"runs"`
	Messages Messages `json:"messages"`
	Surveys  Surveys  `json:"surveys"`
	// Scores counts the answers by score: 1 to 5 for a group whose
	// surveys are all on 1-5, 0 to 10 otherwise.
	Scores ScoreCounts `json:"scores"`
	// ScoresByScale counts them apart for each scale the group's surveys
	// are on ("1-5", "0-10"), so a group with both shows both.
	ScoresByScale map[string]ScoreCounts `json:"scores_by_scale"`
	CSAT          *float64               `json:"csat"`
	NPS           *float64               `json:"nps"`
	MeanScore     *float64               `json:"mean_score"`
	// MedianMinutesToAnswer is the median of the whole minutes from a
	// survey's sending to its answer, over the answers whose sending
	// time is known.
	MedianMinutesToAnswer *float64 `json:"median_minutes_to_answer"`
}

// Messages are the group's messages (survey links included). Held counts
// the messages held at least once (most are sent later); Failed those
// that failed for good or that the provider reported undelivered;
// Delivered the SMS the provider reported delivered (email has no such
// report).
type Messages struct {
	Sent      int64            `json:"sent"`
	Delivered int64            `json:"delivered"`
	Failed    int64            `json:"failed"`
	Held      int64            `json:"held"`
	Skipped   map[string]int64 `json:"skipped"`
}

// Surveys are the group's surveys: sent (the link's message was sent)
// and answered (late answers included); ResponseRate is answered ÷ sent.
type Surveys struct {
	Sent         int64    `json:"sent"`
	Answered     int64    `json:"answered"`
	ResponseRate *float64 `json:"response_rate"`
}

// ScoreCounts counts answers by score, written in score order.
type ScoreCounts map[int]int64

// MarshalJSON writes {"1": 0, …, "5": 2}, the scores in order.
func (s ScoreCounts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(s)) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%d", strconv.Itoa(k), s[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// FiguresOf computes t's figures, but for the median, which needs the
// minutes themselves (see NeedForMedian).
func FiguresOf(t *Tally) Figures {
	f := Figures{
		Runs: t.Runs,
		Messages: Messages{Sent: t.Sent, Delivered: t.Delivered, Failed: t.Failed, Held: t.Held,
			Skipped: map[string]int64{}},
		Surveys: Surveys{Sent: t.SurveysSent(), Answered: t.Answered(), ResponseRate: ratio(t.Answered(), t.SurveysSent())},
	}
	for r, n := range t.SkippedBy {
		if n != 0 {
			f.Messages.Skipped[r] = n
		}
	}
	csat, nps := &t.Scales[0], &t.Scales[1]
	// The scores run over the scale of the group's surveys: 1-5 unless
	// some are on 0-10.
	shown := scale.Default
	if nps.SurveysSent != 0 || nps.Answered != 0 {
		shown = scale.NPS
	}
	f.Scores = ScoreCounts{}
	for _, n := range shown.Scores() {
		f.Scores[n] = csat.Scores[n] + nps.Scores[n]
	}
	f.ScoresByScale = map[string]ScoreCounts{}
	for i := range t.Scales {
		st := &t.Scales[i]
		if st.SurveysSent == 0 && st.Answered == 0 {
			continue
		}
		on := scaleAt(i)
		counts := ScoreCounts{}
		for _, n := range on.Scores() {
			counts[n] = st.Scores[n]
		}
		f.ScoresByScale[string(on)] = counts
	}
	if csat.Answered > 0 {
		var satisfied int64
		for n, count := range csat.Scores {
			if scale.Satisfied(n) {
				satisfied += count
			}
		}
		f.CSAT = percent(satisfied, csat.Answered)
	}
	if nps.Answered > 0 {
		var promoters, detractors int64
		for n, count := range nps.Scores {
			switch {
			case scale.Promoter(n):
				promoters += count
			case scale.Detractor(n):
				detractors += count
			}
		}
		v := 100 * float64(promoters-detractors) / float64(nps.Answered)
		f.NPS = &v
	}
	// A mean across two scales means nothing: it is given when every
	// answer of the group is on one.
	for _, st := range []*ScaleTally{csat, nps} {
		if st.Answered > 0 && st.Answered == t.Answered() {
			var sum int64
			for n, count := range st.Scores {
				sum += int64(n) * count
			}
			mean := float64(sum) / float64(st.Answered)
			f.MeanScore = &mean
		}
	}
	return f
}

func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

func percent(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	r := 100 * float64(a) / float64(b)
	return &r
}

// MedianNeed says which minutes the exact median of a group needs. The
// median of n values is the mean of those of rank K1 and K2 (counted from
// 0, in order: the same rank when n is odd); the bins say which minutes
// [Lo, Hi) hold both, and how many values lie below Lo (Below). The
// caller reads the count of every minute in [Lo, Hi) (Hi -1: no end) and
// hands them to Median.
type MedianNeed struct {
	Lo, Hi        int
	Below, K1, K2 int64
	// InRange is how many values [Lo, Hi) holds, which the counts read
	// must add up to.
	InRange int64
	// Known is set when the bins alone give the median (both middle
	// values fall in bins one minute wide): no minute needs reading, and
	// Value is the median.
	Known bool
	Value float64
}

// NeedForMedian finds what the median of the values counted in bins
// needs; false when the bins count nothing.
func NeedForMedian(bins [NumBins]int64) (MedianNeed, bool) {
	var n int64
	for _, c := range bins {
		n += c
	}
	if n <= 0 {
		return MedianNeed{}, false
	}
	need := MedianNeed{K1: (n - 1) / 2, K2: n / 2}
	var below int64
	first, last := -1, -1
	for b, c := range bins {
		if first < 0 && below+c > need.K1 {
			first = b
			need.Below = below
		}
		if below+c > need.K2 {
			last = b
			break
		}
		below += c
	}
	need.Lo, _ = BinBounds(first)
	_, need.Hi = BinBounds(last)
	for b := first; b <= last; b++ {
		need.InRange += bins[b]
	}
	lo1, hi1 := BinBounds(first)
	lo2, hi2 := BinBounds(last)
	if hi1 == lo1+1 && hi2 == lo2+1 {
		need.Known, need.Value = true, (float64(lo1)+float64(lo2))/2
	}
	return need, true
}

// Median is the median from the counts of the minutes in [need.Lo,
// need.Hi) (none needed when need.Known). It fails when the counts do not
// add up to what the bins said.
func Median(need MedianNeed, counts map[int]int64) (float64, error) {
	if need.Known {
		return need.Value, nil
	}
	var total int64
	for m, c := range counts {
		if m < need.Lo || (need.Hi >= 0 && m >= need.Hi) {
			return 0, fmt.Errorf("median: minute %d is outside [%d, %d)", m, need.Lo, need.Hi)
		}
		total += c
	}
	if total != need.InRange {
		return 0, fmt.Errorf("median: the minutes in [%d, %d) count %d answers, the bins %d", need.Lo, need.Hi, total, need.InRange)
	}
	rank := need.Below
	var v1, v2 int
	found1 := false
	for _, m := range slices.Sorted(maps.Keys(counts)) {
		next := rank + counts[m]
		if !found1 && need.K1 < next {
			v1, found1 = m, true
		}
		if need.K2 < next {
			v2 = m
			return (float64(v1) + float64(v2)) / 2, nil
		}
		rank = next
	}
	return 0, fmt.Errorf("median: ranks %d and %d not reached", need.K1, need.K2)
}
