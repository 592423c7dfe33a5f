package results

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ccflow/ccflow/core/scale"
)

// Tally is the sum of some facts: one bucket of an aggregate level, or one
// group of a query. It keeps apart what the figures need apart: skipped
// messages by the policy's reason, survey counts and scores by scale
// (CSAT counts the 1-5 answers, NPS the 0-10 ones), and the answers whose
// minutes to answer are known, by bin.
type Tally struct {
	Runs, Sent, Delivered, Failed, Held, Skipped int64
	SkippedBy                                    map[string]int64
	// Scales holds the surveys of each scale: [0] on 1-5, [1] on 0-10.
	Scales [2]ScaleTally
	// Bins counts answers by MinuteBin of their minutes to answer; nil
	// when none. An array, not a map: a query adds up thousands of
	// buckets' bins, and adding arrays costs a fraction of filling maps.
	Bins *[NumBins]int64
}

// ScaleTally is the surveys of one scale.
type ScaleTally struct {
	SurveysSent, Answered int64
	// Scores counts answers by score (index = score).
	Scores [MaxScore + 1]int64
}

// scaleIndex is the index in Tally.Scales of a scale's name ("" and
// unknown names are the default scale's).
func scaleIndex(name string) int {
	if scale.Of(name) == scale.NPS {
		return 1
	}
	return 0
}

// scaleAt is the scale of Tally.Scales[i].
func scaleAt(i int) scale.Scale {
	if i == 1 {
		return scale.NPS
	}
	return scale.CSAT
}

// SurveysSent is the surveys sent, every scale together.
func (t *Tally) SurveysSent() int64 { return t.Scales[0].SurveysSent + t.Scales[1].SurveysSent }

// Answered is the surveys answered, every scale together.
func (t *Tally) Answered() int64 { return t.Scales[0].Answered + t.Scales[1].Answered }

// AddFact adds one fact.
func (t *Tally) AddFact(f Fact) {
	switch f.Kind {
	case KindRun:
		t.Runs += f.N
	case KindSent:
		t.Sent += f.N
	case KindDelivered:
		t.Delivered += f.N
	case KindFailed:
		t.Failed += f.N
	case KindHeld:
		t.Held += f.N
	case KindSkipped:
		t.Skipped += f.N
		if t.SkippedBy == nil {
			t.SkippedBy = map[string]int64{}
		}
		t.SkippedBy[f.Reason] += f.N
	case KindSurveySent:
		t.Scales[scaleIndex(f.Scale)].SurveysSent += f.N
	case KindAnswered:
		s := &t.Scales[scaleIndex(f.Scale)]
		s.Answered += f.N
		if f.Score >= 0 && f.Score <= MaxScore {
			s.Scores[f.Score] += f.N
		}
	}
	if (f.Kind == KindAnswered || f.Kind == KindMinutes) && f.Minutes >= 0 {
		t.bins()[MinuteBin(f.Minutes)] += f.N
	}
}

// Reset empties t, keeping its map and array for the next use: a read of
// thousands of buckets decodes each into one Tally.
func (t *Tally) Reset() {
	skipped, bins := t.SkippedBy, t.Bins
	clear(skipped)
	if bins != nil {
		clear(bins[:])
	}
	*t = Tally{SkippedBy: skipped, Bins: bins}
}

// bins is t.Bins, made when nil.
func (t *Tally) bins() *[NumBins]int64 {
	if t.Bins == nil {
		t.Bins = new([NumBins]int64)
	}
	return t.Bins
}

// Merge adds o to t.
func (t *Tally) Merge(o *Tally) {
	t.Runs += o.Runs
	t.Sent += o.Sent
	t.Delivered += o.Delivered
	t.Failed += o.Failed
	t.Held += o.Held
	t.Skipped += o.Skipped
	for r, n := range o.SkippedBy {
		if t.SkippedBy == nil {
			t.SkippedBy = map[string]int64{}
		}
		t.SkippedBy[r] += n
	}
	for i := range t.Scales {
		t.Scales[i].SurveysSent += o.Scales[i].SurveysSent
		t.Scales[i].Answered += o.Scales[i].Answered
		for n := range t.Scales[i].Scores {
			t.Scales[i].Scores[n] += o.Scales[i].Scores[n]
		}
	}
	if o.Bins != nil {
		bins := t.bins()
		for b, n := range o.Bins {
			bins[b] += n
		}
	}
}

// BinCounts is t.Bins as an array, every bin in order.
func (t *Tally) BinCounts() [NumBins]int64 {
	if t.Bins == nil {
		return [NumBins]int64{}
	}
	return *t.Bins
}

// detailVersion is the first byte of an encoded detail.
const detailVersion = 1

// MarshalDetail encodes what a Tally holds beyond its six message and run
// counts (which the store keeps in columns of their own): skipped
// messages by reason, surveys and scores by scale, answers by bin of
// minutes to answer. Counts that are zero are left out, so a bucket's
// detail takes a few dozen bytes. It holds no customer data: reasons are
// the policy's codes.
func (t *Tally) MarshalDetail() []byte {
	b := []byte{detailVersion}
	put := func(v int64) { b = binary.AppendVarint(b, v) }
	reasons := slices.Sorted(maps.Keys(t.SkippedBy))
	put(int64(len(reasons)))
	for _, r := range reasons {
		put(int64(len(r)))
		b = append(b, r...)
		put(t.SkippedBy[r])
	}
	for i := range t.Scales {
		s := &t.Scales[i]
		put(s.SurveysSent)
		put(s.Answered)
		var nonzero []int
		for n, c := range s.Scores {
			if c != 0 {
				nonzero = append(nonzero, n)
			}
		}
		put(int64(len(nonzero)))
		for _, n := range nonzero {
			put(int64(n))
			put(s.Scores[n])
		}
	}
	var nonzero []int
	if t.Bins != nil {
		for bin, n := range t.Bins {
			if n != 0 {
				nonzero = append(nonzero, bin)
			}
		}
	}
	put(int64(len(nonzero)))
	for _, bin := range nonzero {
		put(int64(bin))
		put(t.Bins[bin])
	}
	return b
}

// ErrDetail is a detail that does not decode.
var ErrDetail = errors.New("results: a tally's detail does not decode")

// UnmarshalDetail adds the detail data encodes (MarshalDetail's) to t.
func (t *Tally) UnmarshalDetail(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if data[0] != detailVersion {
		return fmt.Errorf("%w: version %d", ErrDetail, data[0])
	}
	data = data[1:]
	var bad bool
	get := func() int64 {
		v, n := binary.Varint(data)
		if n <= 0 {
			bad = true
			return 0
		}
		data = data[n:]
		return v
	}
	count := func(limit int64) int {
		n := get()
		if n < 0 || n > limit {
			bad = true
			return 0
		}
		return int(n)
	}
	for range count(1 << 10) {
		l := count(int64(len(data)))
		if bad {
			break
		}
		reason := string(data[:l])
		data = data[l:]
		if t.SkippedBy == nil {
			t.SkippedBy = map[string]int64{}
		}
		t.SkippedBy[reason] += get()
	}
	for i := range t.Scales {
		s := &t.Scales[i]
		s.SurveysSent += get()
		s.Answered += get()
		for range count(MaxScore + 1) {
			n := count(MaxScore)
			s.Scores[n] += get()
		}
	}
	for range count(NumBins) {
		bin := count(NumBins - 1)
		t.bins()[bin] += get()
	}
	if bad || len(data) != 0 {
		return ErrDetail
	}
	return nil
}
