//go:build linux

package devenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeServer makes a program named name that only sleeps: what the
// watcher sees of a real server is its name and its parent. The names
// are not the real servers', so the watcher of the plain run around
// these tests (make test-plain) does not count them.
func fakeServer(t *testing.T, name string) string {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.Symlink(sleep, path))
	return path
}

func TestWatchServersNamesEveryServerTheCommandStarted(t *testing.T) {
	tests := []struct {
		name    string
		script  func(postgres, temporal string) string
		started []string // the servers' names, in the order they started
	}{
		{
			name:   "nothing",
			script: func(string, string) string { return "sleep 0.2" },
		},
		{
			name:    "a server the command waits for",
			script:  func(postgres, _ string) string { return postgres + " 0.3" },
			started: []string{"postgres"},
		},
		{
			name:    "a server left running after its parent ended",
			script:  func(_, temporal string) string { return temporal + " 0.3 & exit 0" },
			started: []string{"temporal"},
		},
		{
			name: "servers deep below a test binary",
			script: func(postgres, temporal string) string {
				return "sh -c '" + postgres + " 0.3; " + temporal + " 0.3'"
			},
			started: []string{"postgres", "temporal"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", tt.script(fakeServer(t, "fake-postgres"), fakeServer(t, "fake-temporal")))

			started, err := watchServers(cmd, []string{"fake-postgres", "fake-temporal"})

			require.NoError(t, err)
			require.Len(t, started, len(tt.started), "found %v", started)
			for i, name := range tt.started {
				require.Regexp(t, `^fake-`+name+` \(pid [0-9]+\)`, started[i])
			}
		})
	}
}

func TestWatchServersReportsTheCommandsOwnFailure(t *testing.T) {
	started, err := watchServers(exec.Command("sh", "-c", "exit 3"), serverPrograms)

	require.Empty(t, started)
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	require.Equal(t, 3, exitErr.ExitCode())
}

func TestParseStatReadsNamesWithSpacesAndBrackets(t *testing.T) {
	tests := []struct {
		stat string
		want proc
		ok   bool
	}{
		{"412 (postgres) S 398 412 398 0 -1", proc{name: "postgres", ppid: 398}, true},
		{"7 (a (b) c) R 1 7 7 0", proc{name: "a (b) c", ppid: 1}, true},
		{"garbage", proc{}, false},
	}
	for _, tt := range tests {
		got, ok := parseStat(tt.stat)
		require.Equal(t, tt.ok, ok, tt.stat)
		require.Equal(t, tt.want, got, tt.stat)
	}
}

func TestThePlainRunWatchesForPostgreSQLTemporalAndPackageInstalls(t *testing.T) {
	for _, name := range []string{"postgres", "initdb", "temporal", "temporal-server", "apt-get", "dpkg"} {
		require.Contains(t, serverPrograms, name)
		require.LessOrEqual(t, len(name), 15, "the kernel keeps 15 bytes of a program's name")
	}
}
