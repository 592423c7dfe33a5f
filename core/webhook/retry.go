package webhook

import (
	"fmt"
	"time"
)

// Retry is a delivery's schedule: the first attempt at once, the next
// First after it, each wait Coefficient times the one before up to Max,
// for at most For after the first attempt; each attempt may take Timeout.
// The delivery workflow hands it to Temporal as the activity's retry
// policy, so Temporal keeps the schedule through restarts of every part.
type Retry struct {
	First       time.Duration `json:"first"`
	Coefficient float64       `json:"coefficient"`
	Max         time.Duration `json:"max"`
	For         time.Duration `json:"for"`
	Timeout     time.Duration `json:"timeout"`
}

// DefaultRetry is production's schedule: retries 5 s, 10 s, 20 s, … after
// each failure, at most an hour apart, for 24 hours (about 33 attempts),
// each attempt given 10 seconds.
var DefaultRetry = Retry{First: 5 * time.Second, Coefficient: 2, Max: time.Hour, For: 24 * time.Hour, Timeout: 10 * time.Second}

// Check says what is wrong with r, naming the setting.
func (r Retry) Check() error {
	switch {
	case r.First <= 0 || r.First > 10*time.Second:
		return fmt.Errorf("the first retry must come within 10s, not after %s", r.First)
	case r.Coefficient < 1:
		return fmt.Errorf("the backoff coefficient must be at least 1, not %g", r.Coefficient)
	case r.Max < r.First:
		return fmt.Errorf("the longest wait (%s) is shorter than the first (%s)", r.Max, r.First)
	case r.For < r.First:
		return fmt.Errorf("retrying for %s leaves no room for a retry after %s", r.For, r.First)
	case r.Timeout <= 0:
		return fmt.Errorf("an attempt's timeout must be positive, not %s", r.Timeout)
	}
	return nil
}

// Wait is how long after attempt n (1 for the first) fails the next one
// starts, as Temporal computes it: First times Coefficient^(n-1), at most
// Max.
func (r Retry) Wait(attempt int) time.Duration {
	w := float64(r.First)
	for i := 1; i < attempt && w < float64(r.Max); i++ {
		w *= r.Coefficient
	}
	return min(time.Duration(w), r.Max)
}

// NextTry is when the attempt after attempt n (which ended at now) comes,
// for a delivery whose first attempt was at first; false when the schedule
// has run out and there is none.
func (r Retry) NextTry(first time.Time, attempt int, now time.Time) (time.Time, bool) {
	next := now.Add(r.Wait(attempt))
	if next.After(first.Add(r.For)) {
		return time.Time{}, false
	}
	return next, true
}

// Verdict is what an attempt's outcome means for its delivery.
type Verdict string

// The verdicts.
const (
	// Delivered: a 2xx answer. Done.
	Delivered Verdict = "delivered"
	// TryAgain: a network error, a timeout, or an answer other than 2xx
	// and 410. Retried by the schedule.
	TryAgain Verdict = "retry"
	// Gone: 410. The receiver wants no more: the subscription is
	// disabled and the delivery stops.
	Gone Verdict = "gone"
)

// Judge is the verdict of an attempt answered status (0 when there was no
// answer: a network error or a timeout).
func Judge(status int) Verdict {
	switch {
	case status >= 200 && status <= 299:
		return Delivered
	case status == 410:
		return Gone
	}
	return TryAgain
}
