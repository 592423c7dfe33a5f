package devenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBlockedFolderFindsTheFirstFolderAnotherUserCannotEnter(t *testing.T) {
	stranger := &account{name: "stranger", uid: 4242, gid: 4242} // owns nothing here
	tests := []struct {
		name        string
		modes       [2]os.FileMode // of outer and outer/inner
		wantBlocked string         // "", "outer" or "inner"
	}{
		{"open", [2]os.FileMode{0o755, 0o755}, ""},
		{"enter-only is enough", [2]os.FileMode{0o711, 0o701}, ""},
		{"private outer", [2]os.FileMode{0o700, 0o755}, "outer"},
		{"private inner", [2]os.FileMode{0o755, 0o750}, "inner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := openTempDir(t)
			outer := filepath.Join(base, "outer")
			inner := filepath.Join(outer, "inner")
			require.NoError(t, os.MkdirAll(inner, 0o755))
			require.NoError(t, os.Chmod(outer, tt.modes[0]))
			require.NoError(t, os.Chmod(inner, tt.modes[1]))

			got := stranger.blockedFolder(filepath.Join(inner, "not-made-yet"))

			require.Equal(t, map[string]string{"": "", "outer": outer, "inner": inner}[tt.wantBlocked], got)
		})
	}
}

// openTempDir makes a temporary folder anyone may enter: t.TempDir's own
// parent is private to us.
func openTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ccflow-devenv-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	return dir
}

func TestBlockedFolderOfOurselvesIsNone(t *testing.T) {
	var us *account
	require.Empty(t, us.blockedFolder("/root/anything"))
}
