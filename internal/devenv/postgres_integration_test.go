//go:build integration

// An integration test: it starts a real PostgreSQL from the machine's binaries (or installs them, as
// root on Debian), so a plain go test ./... leaves it out (`make test` runs it; one package:
// go run ./cmd/devenv test -- go test -tags integration ./internal/devenv).

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
