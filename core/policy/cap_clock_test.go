package policy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
)

// A daily cap counts every send of the customer's local day that the
// store found, also one stamped after this decision's now: another
// attempt, whose clock read later, decided it first.
func TestTheDailyCapCountsEverySendOfTheDayWhateverItsStamp(t *testing.T) {
	p := policy.Default()
	p.QuietHours["sms"] = nil
	p.MaxPerDay = map[string]int{"sms": 2}
	noon := ny(t, "2026-11-30 12:00")
	tests := []struct {
		name  string
		sends []time.Time
		want  policy.Outcome
	}{
		{"two earlier today", []time.Time{ny(t, "2026-11-30 09:00"), ny(t, "2026-11-30 11:59")}, policy.Skip},
		{"one earlier, one stamped 200 ms after now", []time.Time{ny(t, "2026-11-30 09:00"), noon.Add(200 * time.Millisecond)}, policy.Skip},
		{"one today, one yesterday", []time.Time{ny(t, "2026-11-29 23:59"), ny(t, "2026-11-30 09:00")}, policy.Send},
		{"one today, one tomorrow by the customer's clock", []time.Time{ny(t, "2026-11-30 09:00"), ny(t, "2026-12-01 00:00")}, policy.Send},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(policy.Request{Channel: "sms", CustomerTimeZone: "America/New_York", Now: noon, RecentSends: tt.sends}, "UTC")
			require.Equal(t, tt.want, d.Outcome, d.Reason)
		})
	}
}
