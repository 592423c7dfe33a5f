package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/ccflow/ccflow", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name                string
		bi                  *debug.BuildInfo
		version, revision   string
		want                Info
		wantString, wantBID string
	}{
		{
			name:       "stamped by the toolchain",
			bi:         stamped,
			want:       Info{Version: "v1.4.0", Revision: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d", Modified: true, GoVersion: "go1.26.8"},
			wantString: "v1.4.0 (revision 1a2b3c4d5e6f, modified; go1.26.8)",
			wantBID:    "v1.4.0+1a2b3c4d5e6f.modified",
		},
		{
			name:       "overridden at link time",
			bi:         stamped,
			version:    "v1.5.0-rc.1",
			revision:   "ffffeeeeddddcccc",
			want:       Info{Version: "v1.5.0-rc.1", Revision: "ffffeeeeddddcccc", GoVersion: "go1.26.8"},
			wantString: "v1.5.0-rc.1 (revision ffffeeeedddd; go1.26.8)",
			wantBID:    "v1.5.0-rc.1+ffffeeeedddd",
		},
		{
			name:       "a dirty revision given at link time",
			bi:         stamped,
			revision:   "abc123-dirty",
			want:       Info{Version: "v1.4.0", Revision: "abc123", Modified: true, GoVersion: "go1.26.8"},
			wantString: "v1.4.0 (revision abc123, modified; go1.26.8)",
			wantBID:    "v1.4.0+abc123.modified",
		},
		{
			name:       "built without VCS information",
			bi:         &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want:       Info{Version: "(devel)", GoVersion: "go1.26.8"},
			wantString: "(devel) (go1.26.8)",
			wantBID:    "(devel)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromBuildInfo(tt.bi, tt.version, tt.revision)

			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantString, got.String())
			require.Equal(t, tt.wantBID, got.BuildID())
		})
	}
}

func TestReadNamesTheToolchain(t *testing.T) {
	require.NotEmpty(t, Read().Version)
	require.Contains(t, Read().GoVersion, "go1.")
}

func TestHandleVersionFlag(t *testing.T) {
	var out strings.Builder

	printed, err := HandleVersionFlag("starter", []string{"--version"}, &out)

	require.NoError(t, err)
	require.True(t, printed)
	require.Equal(t, "starter "+Read().String()+"\n", out.String())

	printed, err = HandleVersionFlag("starter", nil, &out)
	require.NoError(t, err)
	require.False(t, printed)

	_, err = HandleVersionFlag("starter", []string{"serve"}, &out)
	require.ErrorContains(t, err, "takes no arguments")
}
