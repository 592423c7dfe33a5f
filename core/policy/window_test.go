package policy

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Zones with half- and quarter-hour offsets, and zones that change their
// clocks by an hour or by half an hour.
var testZones = []string{
	"UTC", "America/New_York", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
	"Australia/Adelaide", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/London", "America/Santiago",
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func at(t testing.TB, zone, value string) time.Time {
	t.Helper()
	u, err := time.ParseInLocation("2006-01-02 15:04:05", value, mustLoad(t, zone))
	require.NoError(t, err)
	return u
}

func TestNextOpening(t *testing.T) {
	ny := "America/New_York"
	tests := []struct {
		name   string
		window Window
		zone   string
		now    time.Time
		want   time.Time
	}{
		{"held at 20:59:59 is outside? no: inside until 21:00", Window{"08:00", "21:00"}, ny,
			at(t, ny, "2026-11-23 20:59:59"), at(t, ny, "2026-11-23 20:59:59")},
		{"at 21:00 the window has closed: next morning", Window{"08:00", "21:00"}, ny,
			at(t, ny, "2026-11-23 21:00:00"), at(t, ny, "2026-11-24 08:00:00")},
		{"before the window opens: this morning", Window{"08:00", "21:00"}, ny,
			at(t, ny, "2026-11-24 03:12:00"), at(t, ny, "2026-11-24 08:00:00")},
		{"a window across midnight opens tonight", Window{"22:00", "06:00"}, ny,
			at(t, ny, "2026-11-24 10:00:00"), at(t, ny, "2026-11-24 22:00:00")},
		{"spring forward skips 02:30: opens at the jump, 03:00 EDT", Window{"02:30", "05:00"}, ny,
			at(t, ny, "2026-03-08 00:10:00"), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"fall back repeats 01:30: opens the first time", Window{"01:30", "05:00"}, ny,
			at(t, ny, "2026-11-01 00:10:00"), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)},
		{"over the night the clocks go forward, 08:00 is still 08:00", Window{"08:00", "21:00"}, ny,
			at(t, ny, "2026-03-07 21:30:00"), at(t, ny, "2026-03-08 08:00:00")},
		{"turning the clock back re-enters a window at the transition", Window{"01:00", "01:30"}, ny,
			at(t, ny, "2026-11-01 01:45:00"), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)},
		{"Lord Howe jumps from 02:00 to 02:30: opens at the jump", Window{"02:00", "02:45"}, "Australia/Lord_Howe",
			time.Date(2026, 10, 3, 14, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC)},
		{"a window the jump skips whole opens the next day", Window{"02:00", "02:15"}, "Australia/Lord_Howe",
			time.Date(2026, 10, 3, 14, 0, 0, 0, time.UTC), time.Date(2026, 10, 4, 15, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextOpening(&tt.window, tt.now, mustLoad(t, tt.zone))
			require.True(t, tt.want.Equal(got), "want %s, got %s", tt.want.In(mustLoad(t, tt.zone)), got.In(mustLoad(t, tt.zone)))
			require.Equal(t, tt.want.Equal(tt.now), Open(&tt.window, tt.now, mustLoad(t, tt.zone)))
		})
	}
}

// bruteOpening walks minute by minute from t, reading the wall clock the
// plain way, to the first minute inside the window: every opening falls on
// a whole minute, since windows, zone offsets and transitions do.
func bruteOpening(w Window, t time.Time, loc *time.Location) time.Time {
	inside := func(u time.Time) bool {
		l := u.In(loc)
		m := l.Hour()*60 + l.Minute()
		var sh, sm, eh, em int
		_, _ = fmtSscan(w.Start, &sh, &sm)
		_, _ = fmtSscan(w.End, &eh, &em)
		s, e := sh*60+sm, eh*60+em
		if s < e {
			return m >= s && m < e
		}
		return m >= s || m < e
	}
	if inside(t) {
		return t
	}
	u := t.Truncate(time.Minute).Add(time.Minute)
	for !inside(u) {
		u = u.Add(time.Minute)
	}
	return u
}

// Every opening NextOpening gives, in every kind of zone and around its
// daylight-saving days, is the one a minute-by-minute walk finds.
func TestNextOpeningAgreesWithAMinuteByMinuteWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	cases := 3000
	if testing.Short() {
		cases = 300
	}
	for i := range cases {
		loc := mustLoad(t, testZones[rng.IntN(len(testZones))])
		w := randomWindow(rng)
		now := randomInstant(rng)
		want := bruteOpening(w, now, loc)
		got := NextOpening(&w, now, loc)
		require.True(t, want.Equal(got), "case %d: window %s–%s in %s from %s: want %s, got %s",
			i, w.Start, w.End, loc, now.In(loc), want.In(loc), got.In(loc))
	}
}

func randomWindow(rng *rand.Rand) Window {
	for {
		s, e := rng.IntN(24*4)*15, rng.IntN(24*4)*15
		if rng.IntN(4) == 0 {
			s, e = rng.IntN(24*60), rng.IntN(24*60)
		}
		if s != e {
			return Window{Start: clockText(s), End: clockText(e)}
		}
	}
}

func clockText(minutes int) string {
	return time.Date(2000, 1, 1, minutes/60, minutes%60, 0, 0, time.UTC).Format("15:04")
}

// randomInstant picks an instant in 2026, half of them within two days of
// a daylight-saving change somewhere.
func randomInstant(rng *rand.Rand) time.Time {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if rng.IntN(2) == 0 {
		changes := []time.Time{
			time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), // New York
			time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), // London
			time.Date(2026, 4, 4, 15, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC), // Lord Howe
			time.Date(2026, 4, 4, 16, 30, 0, 0, time.UTC), time.Date(2026, 10, 3, 16, 30, 0, 0, time.UTC), // Adelaide
		}
		c := changes[rng.IntN(len(changes))]
		return c.Add(time.Duration(rng.Int64N(int64(96*time.Hour))) - 48*time.Hour)
	}
	return base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
}

func FuzzNextOpening(f *testing.F) {
	f.Add(int64(1772953200), 150, 300, uint8(1))
	f.Add(int64(1793509200), 90, 300, uint8(2))
	f.Fuzz(func(t *testing.T, unix int64, start, end int, zone uint8) {
		start, end = abs(start)%(24*60), abs(end)%(24*60)
		if start == end || unix < 0 || unix > 4102444800 {
			return
		}
		loc := mustLoad(t, testZones[int(zone)%len(testZones)])
		w := Window{Start: clockText(start), End: clockText(end)}
		now := time.Unix(unix, 0)
		got := NextOpening(&w, now, loc)
		if !Open(&w, got, loc) || got.Before(now) || got.Sub(now) > 49*time.Hour {
			t.Fatalf("window %s–%s in %s from %s: %s", w.Start, w.End, loc, now.In(loc), got.In(loc))
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
