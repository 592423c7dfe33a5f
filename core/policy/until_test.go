package policy_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
)

func until(t *testing.T, clock string, atLeast time.Duration, days ...string) policy.Until {
	t.Helper()
	c, err := policy.ParseClock(clock)
	require.NoError(t, err)
	u := policy.Until{Clock: c, AtLeast: atLeast}
	for _, d := range days {
		wd, err := policy.ParseDay(d)
		require.NoError(t, err)
		u.Days = append(u.Days, wd)
	}
	return u
}

func inZone(t *testing.T, zone, value string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	u, err := time.ParseInLocation("2006-01-02 15:04:05", value, loc)
	require.NoError(t, err)
	return u
}

func TestNextUntil(t *testing.T) {
	t.Parallel()
	const ny = "America/New_York"
	weekdays := []string{"mon", "tue", "wed", "thu", "fri"}
	christmas := func(d string) bool { return d == "2026-12-25" }
	tests := []struct {
		name     string
		zone     string
		from     time.Time
		until    policy.Until
		holidays func(string) bool
		want     time.Time
	}{
		{"later today", ny, inZone(t, ny, "2026-11-24 08:15:00"), until(t, "10:00", 0), nil,
			inZone(t, ny, "2026-11-24 10:00:00")},
		{"at the very moment: now", ny, inZone(t, ny, "2026-11-24 10:00:00"), until(t, "10:00", 0), nil,
			inZone(t, ny, "2026-11-24 10:00:00")},
		{"past today's: tomorrow", ny, inZone(t, ny, "2026-11-24 10:00:01"), until(t, "10:00", 0), nil,
			inZone(t, ny, "2026-11-25 10:00:00")},
		{"the next business morning after a Friday call", ny, inZone(t, ny, "2026-11-27 16:30:00"), until(t, "10:00", 0, weekdays...), nil,
			inZone(t, ny, "2026-11-30 10:00:00")},
		{"at least a day: the morning after tomorrow", ny, inZone(t, ny, "2026-11-24 08:15:00"), until(t, "10:00", 24*time.Hour), nil,
			inZone(t, ny, "2026-11-25 10:00:00")},
		{"at least two hours still fits today", ny, inZone(t, ny, "2026-11-24 08:00:00"), until(t, "10:00", 2*time.Hour), nil,
			inZone(t, ny, "2026-11-24 10:00:00")},
		{"a holiday is passed over", ny, inZone(t, ny, "2026-12-24 18:00:00"), until(t, "09:00", 0, weekdays...), christmas,
			inZone(t, ny, "2026-12-28 09:00:00")},
		{"spring forward skips 02:30: the instant of the jump, 03:00 EDT", ny, inZone(t, ny, "2026-03-07 23:00:00"), until(t, "02:30", 0), nil,
			time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"fall back reads 01:30 twice: the first", ny, inZone(t, ny, "2026-10-31 23:00:00"), until(t, "01:30", 0), nil,
			time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)},
		{"a wait begun between the two 01:30s goes to the next day", ny, time.Date(2026, 11, 1, 5, 45, 0, 0, time.UTC), until(t, "01:30", 0), nil,
			inZone(t, ny, "2026-11-02 01:30:00")},
		{"Kathmandu's quarter hour", "Asia/Kathmandu", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), until(t, "10:00", 0), nil,
			time.Date(2026, 11, 24, 4, 15, 0, 0, time.UTC)},
		{"Lord Howe's half-hour jump: 02:15 is the instant of the jump", "Australia/Lord_Howe", time.Date(2026, 10, 3, 13, 0, 0, 0, time.UTC), until(t, "02:15", 0), nil,
			time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC)},
		{"Santiago's clocks skip midnight: 00:19 is the instant of the jump, 01:00", "America/Santiago", inZone(t, "America/Santiago", "2026-09-05 20:00:00"), until(t, "00:19", 0), nil,
			time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tt.zone)
			require.NoError(t, err)

			got, err := policy.NextUntil(tt.from, tt.until, loc, tt.holidays)

			require.NoError(t, err)
			require.True(t, tt.want.Equal(got), "want %s, got %s", tt.want.In(loc), got.In(loc))
		})
	}
}

func TestNextUntilFailsWhenNoDayIsLeft(t *testing.T) {
	t.Parallel()
	every := func(string) bool { return true }

	_, err := policy.NextUntil(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), until(t, "10:00", 0, "mon"), time.UTC, every)

	require.ErrorContains(t, err, "no allowed day")
}

func TestParseDay(t *testing.T) {
	t.Parallel()
	for i, name := range policy.DayNames() {
		d, err := policy.ParseDay(name)
		require.NoError(t, err)
		require.Equal(t, time.Weekday((i+1)%7), d, name)
	}
	d, err := policy.ParseDay(" Fri ")
	require.NoError(t, err)
	require.Equal(t, time.Friday, d)
	_, err = policy.ParseDay("fun")
	require.EqualError(t, err, `"fun" is not a day (use mon, tue, wed, thu, fri, sat, sun)`)
}

// untilZones have daylight-saving changes of an hour and of half an hour,
// a change at midnight that turns the date back (Santiago), and half- and
// quarter-hour offsets.
var untilZones = []string{"UTC", "America/New_York", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
	"Australia/Adelaide", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/London", "America/Santiago", "Europe/Berlin"}

// The property: over random zones, dates around their daylight-saving
// changes, times (gaps and overlaps included), days, holidays and
// at_least, NextUntil's moment is what a minute-by-minute walk of the
// local clock finds: on an allowed day, not a holiday, the first instant
// of that date that reads the time or later (so a skipped time is the
// jump and a repeated one its first reading), no earlier than at_least,
// and the soonest such moment. CCFLOW_UNTIL_CASES sets how many cases run.
func TestNextUntilIsTheSoonestAllowedLocalTime(t *testing.T) {
	t.Parallel()
	cases := 200
	if v := os.Getenv("CCFLOW_UNTIL_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		cases = n
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	// The daylight-saving changes of 2026 in the zones above.
	changes := []time.Time{
		time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 4, 15, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC),
		time.Date(2026, 4, 5, 3, 0, 0, 0, time.UTC), time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC),
	}
	for i := range cases {
		zone := untilZones[rng.IntN(len(untilZones))]
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(360 * 24 * time.Hour))))
		if rng.IntN(3) > 0 {
			from = changes[rng.IntN(len(changes))].Add(time.Duration(rng.Int64N(int64(96*time.Hour))) - 72*time.Hour)
		}
		from = from.Add(time.Duration(rng.IntN(60)) * time.Second)
		minutes := rng.IntN(24 * 60)
		if rng.IntN(3) == 0 { // often around 00:00-03:00, where the clocks change
			minutes = rng.IntN(3*60) + []int{0, 60}[rng.IntN(2)]
		}
		u := policy.Until{Clock: policy.Clock(minutes * 60), AtLeast: []time.Duration{0, 0, time.Minute, 90 * time.Minute, 24 * time.Hour, 3 * 24 * time.Hour}[rng.IntN(6)]}
		for d := range 7 {
			if rng.IntN(2) == 0 {
				u.Days = append(u.Days, time.Weekday(d))
			}
		}
		var holidays []string
		for range rng.IntN(4) {
			holidays = append(holidays, from.In(loc).AddDate(0, 0, rng.IntN(12)).Format(time.DateOnly))
		}
		isHoliday := func(d string) bool { return slices.Contains(holidays, d) }
		desc := fmt.Sprintf("case %d (seed %d): zone %s from %s (%s) time %02d:%02d days %v at_least %s holidays %v",
			i, seed, zone, from.UTC(), from.In(loc), minutes/60, minutes%60, u.Days, u.AtLeast, holidays)

		got, err := policy.NextUntil(from, u, loc, isHoliday)
		require.NoError(t, err, desc)

		want := walkUntil(from, u, loc, isHoliday)
		require.False(t, want.IsZero(), desc)
		require.True(t, want.Equal(got), "%s: want %s (%s), got %s (%s)", desc, want.UTC(), want.In(loc), got.UTC(), got.In(loc))
		require.False(t, got.Before(from.Add(u.AtLeast)), desc)
	}
}

// walkUntil is the oracle: it walks the local clock minute by minute,
// from three days before the threshold to three weeks after it, noting
// each local date's first instant that reads the time or later, and
// returns the soonest such instant, no earlier than the threshold, on an
// allowed date. It knows nothing of zone transitions.
func walkUntil(from time.Time, u policy.Until, loc *time.Location, holiday func(string) bool) time.Time {
	threshold := from.Add(u.AtLeast)
	start := threshold.Truncate(time.Minute).Add(-3 * 24 * time.Hour)
	end := threshold.Add(21 * 24 * time.Hour)
	first := map[string]time.Time{}
	var best time.Time
	for t := start; t.Before(end); t = t.Add(time.Minute) {
		l := t.In(loc)
		if (l.Hour()*60+l.Minute())*60 < int(u.Clock) {
			continue
		}
		date := l.Format(time.DateOnly)
		if _, seen := first[date]; seen {
			continue
		}
		first[date] = t
		if t.Before(threshold) || holiday(date) || (len(u.Days) > 0 && !slices.Contains(u.Days, l.Weekday())) {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	return best
}
