// Package durations parses the durations entries use: "45s", "30m", "12h",
// "1d", "1w" and combinations such as "1d12h". Go's time.ParseDuration has
// no days or weeks, which are what a contact center thinks in.
package durations

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Day and Week are calendar-free: a day is 24 hours.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

var units = []struct {
	suffix byte
	size   time.Duration
}{{'w', Week}, {'d', Day}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}

// Parse reads a duration made of whole numbers with the units w, d, h, m
// and s, largest unit first, each unit at most once.
func Parse(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration (use e.g. 45s, 30m, 12h, 1d, 1w or 1d12h)", s)
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	next := 0 // index into units: a unit may not come after a smaller one
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, bad
		}
		u := -1
		for j := next; j < len(units); j++ {
			if units[j].suffix == rest[i] {
				u = j
				break
			}
		}
		if u < 0 {
			return 0, bad
		}
		var n int64
		for _, c := range rest[:i] {
			n = n*10 + int64(c-'0')
			if n > math.MaxInt64/int64(units[u].size) {
				return 0, fmt.Errorf("%q is too long a duration", s)
			}
		}
		add := time.Duration(n) * units[u].size
		if total > math.MaxInt64-add {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
		total += add
		next = u + 1
		rest = rest[i+1:]
	}
	return total, nil
}

// Format writes d the way Parse reads it, e.g. "7d", "1d12h", "30m"; parts
// below a second are dropped.
func Format(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	var b strings.Builder
	for _, u := range units {
		if u.suffix == 'w' {
			continue // "14d" reads better than "2w" in status lines
		}
		if n := d / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%c", n, u.suffix)
			d -= n * u.size
		}
	}
	return b.String()
}
