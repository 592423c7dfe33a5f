package results

import (
	"sort"
	"time"
)

// Kind is what one fact counts. A fact is written in the transaction of
// the change it counts, on that change alone (a run's row inserted, a
// delivery's status becoming sent…), so a retried call, a replayed
// activity or a repeated status callback changes nothing and counts
// nothing. The names are stored: never rename.
type Kind string

// The kinds of fact.
const (
	// KindRun: a run was claimed (N 1), or its claim released because the
	// run never started (N -1). At: when it was claimed.
	KindRun Kind = "run"
	// KindSent, KindFailed, KindHeld, KindSkipped: a message was sent
	// (the provider took it), failed for good, held for the first time,
	// or skipped by the policy (Reason is the policy's code). At: when
	// the message was first decided, so every fact of one message counts
	// in the same bucket.
	KindSent    Kind = "sent"
	KindFailed  Kind = "failed"
	KindHeld    Kind = "held"
	KindSkipped Kind = "skipped"
	// KindDelivered: the provider reported an SMS delivered. A report of
	// undelivered or failed counts as KindFailed; a later report that
	// changes the class takes back the earlier count (N -1).
	KindDelivered Kind = "delivered"
	// KindSurveySent: a survey's message was sent. KindAnswered: a survey
	// was answered, late or not (Score, and Minutes when the survey's
	// sending time was known then). KindMinutes: the minutes to answer of
	// an answer stored before its survey was recorded as sent. At: when
	// the survey was opened.
	KindSurveySent Kind = "survey_sent"
	KindAnswered   Kind = "answered"
	KindMinutes    Kind = "minutes"
)

// Kinds lists every kind.
var Kinds = []Kind{KindRun, KindSent, KindDelivered, KindFailed, KindHeld, KindSkipped, KindSurveySent, KindAnswered, KindMinutes}

// MaxScore is the highest score of any scale: Counts.Scores has a count
// for every score from 0 to it.
const MaxScore = 10

// Counts are the sums of some facts: one bucket of a level, or a group.
type Counts struct {
	Runs, Sent, Delivered, Failed, Held, Skipped, SurveysSent, Answered int64
	// Scores counts answers by score (index = score).
	Scores [MaxScore + 1]int64
	// Bins counts the answers whose minutes to answer are known, by
	// MinuteBin.
	Bins [NumBins]int64
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Runs += o.Runs
	c.Sent += o.Sent
	c.Delivered += o.Delivered
	c.Failed += o.Failed
	c.Held += o.Held
	c.Skipped += o.Skipped
	c.SurveysSent += o.SurveysSent
	c.Answered += o.Answered
	for i := range c.Scores {
		c.Scores[i] += o.Scores[i]
	}
	for i := range c.Bins {
		c.Bins[i] += o.Bins[i]
	}
}

// Fact is one fact as the store keeps it.
type Fact struct {
	At     time.Time
	Kind   Kind
	N      int64
	Values Values
	// Scale is the survey's scale, for survey facts; Reason the policy's
	// code, for skipped messages.
	Scale, Reason string
	// Score is an answer's score; Minutes its minutes to answer, when
	// known (-1 when not).
	Score, Minutes int
}

// Counts are f's counts.
func (f Fact) Counts() Counts {
	var c Counts
	switch f.Kind {
	case KindRun:
		c.Runs = f.N
	case KindSent:
		c.Sent = f.N
	case KindDelivered:
		c.Delivered = f.N
	case KindFailed:
		c.Failed = f.N
	case KindHeld:
		c.Held = f.N
	case KindSkipped:
		c.Skipped = f.N
	case KindSurveySent:
		c.SurveysSent = f.N
	case KindAnswered:
		c.Answered = f.N
		if f.Score >= 0 && f.Score <= MaxScore {
			c.Scores[f.Score] = f.N
		}
	}
	if (f.Kind == KindAnswered || f.Kind == KindMinutes) && f.Minutes >= 0 {
		c.Bins[MinuteBin(f.Minutes)] = f.N
	}
	return c
}

// MinutesBetween is the whole minutes from sent to answered, the measure
// of minutes to answer: never negative (a clock a little behind another
// makes no answer come before its question).
func MinutesBetween(sent, answered time.Time) int {
	d := answered.Sub(sent)
	if d < 0 {
		return 0
	}
	return int(d / time.Minute)
}

// MinuteThresholds are the lower bounds of the bins of minutes to answer
// after the first (which starts at 0): one minute wide where most answers
// come, wider after. The store keeps, per bucket, how many answers fall
// in each bin; the exact median reads the minutes of one or two bins
// only (see MedianNeed).
var MinuteThresholds = func() []int {
	var t []int
	for m := 1; m < 20; m++ {
		t = append(t, m)
	}
	for _, r := range []struct{ from, to, step int }{
		{20, 60, 4}, {60, 180, 10}, {180, 480, 30}, {480, 1440, 120},
		{1440, 4320, 720}, {4320, 10080, 1440},
	} {
		for m := r.from; m < r.to; m += r.step {
			t = append(t, m)
		}
	}
	return append(t, 10080, 20160, 43200)
}()

// NumBins is the number of bins of minutes to answer.
const NumBins = 71

func init() {
	if len(MinuteThresholds)+1 != NumBins {
		panic("results: NumBins does not match MinuteThresholds")
	}
}

// MinuteBin is the bin of m minutes.
func MinuteBin(m int) int {
	return sort.Search(len(MinuteThresholds), func(i int) bool { return MinuteThresholds[i] > m })
}

// BinBounds are the minutes of bin b: [lo, hi), hi -1 for the last,
// which has no end.
func BinBounds(b int) (lo, hi int) {
	if b > 0 {
		lo = MinuteThresholds[b-1]
	}
	hi = -1
	if b < len(MinuteThresholds) {
		hi = MinuteThresholds[b]
	}
	return lo, hi
}
