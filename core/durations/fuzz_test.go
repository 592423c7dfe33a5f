package durations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/durations"
)

// A duration that parses is never negative, and what Format writes for it
// parses back to it (to the second).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"45s", "1d12h", "2w3d4h5m6s", "0s", "99999999999w", "1d1d", "1h1d", "", "-1s", "1.5h", "1D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := durations.Parse(s)
		if err != nil {
			require.Zero(t, d)
			return
		}
		require.GreaterOrEqual(t, d, 0*d, "%q", s)
		back, err := durations.Parse(durations.Format(d))
		require.NoError(t, err, "Format(%v) = %q", d, durations.Format(d))
		require.Equal(t, d.Truncate(1e9), back, "%q", s)
	})
}
