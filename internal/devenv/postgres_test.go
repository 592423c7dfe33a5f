package devenv

import (
	"strings"
	"testing"

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
