package devenv

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeMachine answers like a machine holding the given files.
type fakeMachine struct {
	pgConfig string // "" when pg_config is missing
	files    []string
	path     []string // folders on PATH
}

func (m fakeMachine) finder() pgFinder {
	return pgFinder{
		pgConfigBindir: func() (string, error) {
			if m.pgConfig == "" {
				return "", errors.New("pg_config: not found")
			}
			return m.pgConfig, nil
		},
		glob: func(pattern string) ([]string, error) {
			var dirs []string
			for _, f := range m.files {
				if ok, _ := filepath.Match(pattern, filepath.Dir(f)); ok && !slices.Contains(dirs, filepath.Dir(f)) {
					dirs = append(dirs, filepath.Dir(f))
				}
			}
			return dirs, nil
		},
		lookPath: func(file string) (string, error) {
			for _, dir := range m.path {
				if p := filepath.Join(dir, file); slices.Contains(m.files, p) {
					return p, nil
				}
			}
			return "", errors.New(file + ": not found")
		},
		isFile: func(path string) bool { return slices.Contains(m.files, path) },
	}
}

// server lists the two server programs in dir.
func server(dir string) []string {
	return []string{filepath.Join(dir, "initdb"), filepath.Join(dir, "postgres")}
}

func TestPostgresBinDirSearchOrder(t *testing.T) {
	tests := []struct {
		name    string
		machine fakeMachine
		want    string
	}{
		{
			name: "pg_config's folder first",
			machine: fakeMachine{pgConfig: "/opt/pg/bin",
				files: slices.Concat(server("/opt/pg/bin"), server("/usr/lib/postgresql/16/bin"))},
			want: "/opt/pg/bin",
		},
		{
			name: "pg_config of a client-only install is passed over",
			machine: fakeMachine{pgConfig: "/usr/lib/postgresql/17/bin",
				files: slices.Concat([]string{"/usr/lib/postgresql/17/bin/pg_config"}, server("/usr/lib/postgresql/15/bin"))},
			want: "/usr/lib/postgresql/15/bin",
		},
		{
			name: "the newest Debian version by number",
			machine: fakeMachine{
				files: slices.Concat(server("/usr/lib/postgresql/9.6/bin"), server("/usr/lib/postgresql/16/bin"), server("/usr/lib/postgresql/10/bin"))},
			want: "/usr/lib/postgresql/16/bin",
		},
		{
			name: "a newer version without its server is passed over",
			machine: fakeMachine{
				files: slices.Concat(server("/usr/lib/postgresql/14/bin"), []string{"/usr/lib/postgresql/16/bin/psql"})},
			want: "/usr/lib/postgresql/14/bin",
		},
		{
			name:    "PATH last",
			machine: fakeMachine{files: server("/usr/local/pgsql/bin"), path: []string{"/usr/bin", "/usr/local/pgsql/bin"}},
			want:    "/usr/local/pgsql/bin",
		},
		{
			name:    "initdb on PATH without postgres beside it does not count",
			machine: fakeMachine{files: []string{"/usr/bin/initdb"}, path: []string{"/usr/bin"}},
			want:    "",
		},
		{
			name:    "nothing",
			machine: fakeMachine{},
			want:    "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, ok := tt.machine.finder().binDir()
			require.Equal(t, tt.want, dir)
			require.Equal(t, tt.want != "", ok)
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"9.6", "10", -1},
		{"15", "15", 0},
		{"16", "15", 1},
		{"15.2", "15.10", -1},
		{"15", "15.0", 0},
	}
	for _, tt := range tests {
		got := compareVersions(tt.a, tt.b)
		require.Equal(t, tt.want, sign(got), "%s vs %s", tt.a, tt.b)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestParsePostgresVersion(t *testing.T) {
	tests := []struct{ out, version, major string }{
		{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "15.18", "15"},
		{"postgres (PostgreSQL) 17.0\n", "17.0", "17"},
		{"postgres (PostgreSQL) 9.6.24\n", "9.6.24", "9.6"},
	}
	for _, tt := range tests {
		version, err := parsePostgresVersion(tt.out)
		require.NoError(t, err)
		require.Equal(t, tt.version, version)
		require.Equal(t, tt.major, majorVersion(version))
	}
}

func TestParsePostgresVersionRejectsOtherOutput(t *testing.T) {
	_, err := parsePostgresVersion("command not found")
	require.ErrorContains(t, err, "command not found")
}
