package devenv

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPostgresArgsPutTheSocketInTheDataFolder(t *testing.T) {
	args := postgresArgs(postgresServer{dataDir: "/repo/.dev/postgres",
		postgresOptions: postgresOptions{port: 55433, settings: []string{"fsync=off"}}})

	require.Equal(t, []string{"-D", "/repo/.dev/postgres", "-p", "55433", "-k", "/repo/.dev/postgres",
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"}, args)
}

func TestPostgresArgsGoWithoutASocketWhenItsPathIsTooLong(t *testing.T) {
	deep := "/" + strings.Repeat("very-long-folder/", 8)

	args := postgresArgs(postgresServer{dataDir: deep, postgresOptions: postgresOptions{port: 55433}})

	require.Equal(t, []string{"-D", deep, "-p", "55433", "-k", "", "-c", "listen_addresses=127.0.0.1"}, args)
}

func TestPostgresURL(t *testing.T) {
	require.Equal(t, "postgres://postgres@127.0.0.1:55433/ccflow?sslmode=disable", postgresURL(55433, "ccflow"))
}

func TestRedactHidesThePassword(t *testing.T) {
	require.Equal(t, "postgres://ccflow:xxxxx@db:5432/ccflow", redact("postgres://ccflow:hunter2@db:5432/ccflow"))
}

// This starts a real server from the machine's PostgreSQL binaries (or
// installs them, as root on Debian), as `make test` does.
func TestStartPostgresRunsAPrivateServerWithTheDatabase(t *testing.T) {
	ctx := context.Background()
	tmp := openTempDir(t)
	port, err := freePort()
	require.NoError(t, err)
	g := newGroup()
	t.Cleanup(g.stop)

	dbURL, err := startPostgres(ctx, g, postgresOptions{
		place:    func(owner *account) (string, error) { return testDataDir(tmp, owner) },
		port:     port,
		database: "ccflow",
		settings: []string{"fsync=off"},
		fastInit: true,
		out:      &testLog{t},
	})
	require.NoError(t, err)

	db, err := sql.Open("postgres", dbURL)
	require.NoError(t, err)
	defer db.Close()
	var name, fsync string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT current_database(), current_setting('fsync')`).Scan(&name, &fsync))
	require.Equal(t, "ccflow", name)
	require.Equal(t, "off", fsync)
	require.FileExists(t, filepath.Join(tmp, "postgres", "PG_VERSION"))

	g.stop()
	require.Error(t, pingDatabase(ctx, dbURL, time.Second), "stopped")
}

// testLog sends a server's output to the test's log.
type testLog struct{ t *testing.T }

func (l *testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
