package durations_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/durations"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"45s", 45 * time.Second},
		{"30m", 30 * time.Minute},
		{"12h", 12 * time.Hour},
		{"1d", 24 * time.Hour},
		{"1w", 7 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"2w3d4h5m6s", 2*durations.Week + 3*durations.Day + 4*time.Hour + 5*time.Minute + 6*time.Second},
		{"0s", 0},
		{"90m", 90 * time.Minute},
		{"100000s", 100000 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := durations.Parse(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"units out of order", "12h1d"},
		{"unit twice", "1d1d"},
		{"unknown unit", "3y"},
		{"misspelt unit", "3 dayz"},
		{"number without unit", "30"},
		{"unit without number", "d"},
		{"negative", "-1d"},
		{"fraction", "1.5h"},
		{"space", "1d 12h"},
		{"Go's ms unit", "500ms"},
		{"upper case", "1D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := durations.Parse(tt.in)
			require.EqualError(t, err, `"`+tt.in+`" is not a duration (use e.g. 45s, 30m, 12h, 1d, 1w or 1d12h)`)
		})
	}
}

func TestParseRejectsOverflow(t *testing.T) {
	tests := []string{"99999999999999999999s", "9223372037s", "16000w", "15000w2000d"}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			_, err := durations.Parse(in)
			require.ErrorContains(t, err, "is too long a duration")
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{7 * durations.Day, "7d"},
		{36 * time.Hour, "1d12h"},
		{30 * time.Minute, "30m"},
		{45 * time.Second, "45s"},
		{14 * durations.Day, "14d"},
		{90*time.Second + 500*time.Millisecond, "1m30s"},
		{500 * time.Millisecond, "0s"},
		{0, "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, durations.Format(tt.in))
		})
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, in := range []string{"45s", "30m", "12h", "1d", "1d12h", "3d4h5m6s", "400d"} {
		t.Run(in, func(t *testing.T) {
			d, err := durations.Parse(in)
			require.NoError(t, err)
			back, err := durations.Parse(durations.Format(d))
			require.NoError(t, err)
			require.Equal(t, d, back)
		})
	}
}
