package zones_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/zones"
)

func TestLoadAnswersAsTimeLoadLocationDoes(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"America/New_York", "Europe/Berlin", "UTC", "", "Local", "Asia/Kolkata"} {
		want, wantErr := time.LoadLocation(name)
		for range 2 { // loaded, then remembered
			got, err := zones.Load(name)
			require.Equal(t, wantErr, err, name)
			require.Equal(t, want.String(), got.String(), name)
			at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
			require.Equal(t, at.In(want).Format(time.RFC3339), at.In(got).Format(time.RFC3339), name)
		}
	}
}

func TestLoadRefusesWhatTimeLoadLocationRefuses(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Mars/Olympus_Mons", "../etc/passwd", "/etc/localtime", "America/New_York/", "\x00"} {
		for range 2 {
			_, err := zones.Load(name)
			require.Error(t, err, name)
		}
	}
}

func TestLoadGivesTheSameLocationEveryTime(t *testing.T) {
	t.Parallel()
	a, err := zones.Load("America/Chicago")
	require.NoError(t, err)
	b, err := zones.Load("America/Chicago")
	require.NoError(t, err)
	require.Same(t, a, b)
}

func BenchmarkLoad(b *testing.B) {
	b.Run("remembered", func(b *testing.B) {
		for b.Loop() {
			if _, err := zones.Load("America/New_York"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("time.LoadLocation", func(b *testing.B) {
		for b.Loop() {
			if _, err := time.LoadLocation("America/New_York"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
