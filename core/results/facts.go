package results

import (
	"fmt"
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

// MaxScore is the highest score of any scale.
const MaxScore = 10

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
// after the first (which starts at 0): one minute wide for the first two
// hours, where most answers come and most medians fall (such a median
// is exact from the bins alone), wider after. The store keeps, per
// bucket, how many answers fall in each bin; a median in a wider bin
// reads the minutes of that bin only (see NeedForMedian).
var MinuteThresholds = func() []int {
	var t []int
	for _, r := range []struct{ from, to, step int }{
		{1, 120, 1}, {120, 360, 5}, {360, 1440, 15}, {1440, 4320, 60}, {4320, 10080, 240}, {10080, 43200, 1440},
	} {
		for m := r.from; m < r.to; m += r.step {
			t = append(t, m)
		}
	}
	return append(t, 43200)
}()

// NumBins is the number of bins of minutes to answer.
const NumBins = 336

func init() {
	if len(MinuteThresholds)+1 != NumBins {
		panic(fmt.Sprintf("results: NumBins is %d, MinuteThresholds make %d", NumBins, len(MinuteThresholds)+1))
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
