package devenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// errNoPostgres says what was looked for and how to get it.
var errNoPostgres = errors.New("no PostgreSQL server binaries (initdb and postgres) on this machine: " +
	"looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH; " +
	"install PostgreSQL (on Debian: apt-get install postgresql) or set DATABASE_URL to a server that answers")

// pgFinder looks for the folder holding PostgreSQL's initdb and postgres.
// Its fields ask the machine; tests replace them.
type pgFinder struct {
	pgConfigBindir func() (string, error)
	glob           func(pattern string) ([]string, error)
	lookPath       func(file string) (string, error)
	isFile         func(path string) bool
}

// machinePostgres asks this machine.
var machinePostgres = pgFinder{
	pgConfigBindir: func() (string, error) {
		out, err := exec.Command("pg_config", "--bindir").Output()
		return strings.TrimSpace(string(out)), err
	},
	glob:     filepath.Glob,
	lookPath: exec.LookPath,
	isFile: func(path string) bool {
		info, err := os.Stat(path)
		return err == nil && !info.IsDir()
	},
}

// binDir returns the folder of the server binaries, trying pg_config first
// (it names the installation the machine considers current), then the
// newest Debian-style /usr/lib/postgresql/<version>/bin, then PATH. A folder
// counts only when it holds both programs: pg_config also comes with the
// client libraries alone.
func (f pgFinder) binDir() (string, bool) {
	if dir, err := f.pgConfigBindir(); err == nil && f.hasServer(dir) {
		return dir, true
	}
	dirs, _ := f.glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		if f.hasServer(dir) {
			return dir, true
		}
	}
	if initdb, err := f.lookPath("initdb"); err == nil && f.hasServer(filepath.Dir(initdb)) {
		return filepath.Dir(initdb), true
	}
	return "", false
}

func (f pgFinder) hasServer(dir string) bool {
	return dir != "" && f.isFile(filepath.Join(dir, "initdb")) && f.isFile(filepath.Join(dir, "postgres"))
}

// versionOf returns the <version> of /usr/lib/postgresql/<version>/bin.
func versionOf(binDir string) string { return filepath.Base(filepath.Dir(binDir)) }

// compareVersions orders dotted version numbers numerically ("9.6" < "15");
// parts that are not numbers count as 0.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

var postgresVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+(?:\.\d+)*)`)

// parsePostgresVersion reads "15.18" out of `postgres --version`.
func parsePostgresVersion(out string) (string, error) {
	m := postgresVersion.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("unexpected `postgres --version` answer %q", strings.TrimSpace(out))
	}
	return m[1], nil
}

// majorVersion is what a data folder's PG_VERSION holds: "15" for 15.18,
// "9.6" for 9.6.24.
func majorVersion(version string) string {
	parts := strings.Split(version, ".")
	if n, _ := strconv.Atoi(parts[0]); n < 10 && len(parts) > 1 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

// installMu keeps two callers from running apt-get at once.
var installMu sync.Mutex

// findOrInstallPostgres returns the folder of the server binaries,
// installing Debian's postgresql package when there are none and we may.
func findOrInstallPostgres(ctx context.Context) (string, error) {
	installMu.Lock()
	defer installMu.Unlock()
	if dir, ok := machinePostgres.binDir(); ok {
		return dir, nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		return "", errNoPostgres
	}
	say("no PostgreSQL on this machine: installing Debian's postgresql package")
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout = newPrefixWriter(&outputMu, os.Stderr, "apt-get")
		cmd.Stderr = cmd.Stdout
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("apt-get %s: %w (%w)", strings.Join(args, " "), err, errNoPostgres)
		}
	}
	if dir, ok := machinePostgres.binDir(); ok {
		return dir, nil
	}
	return "", errNoPostgres
}
