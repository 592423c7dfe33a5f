package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// Test runs command (say, go test ./...) with PostgreSQL and Temporal
// servers of its own, named to it by DATABASE_URL, TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE and TEMPORAL_UI_URL, then stops them and removes
// their data. TEMPORAL_CLI names the pinned Temporal CLI, for tests that
// need a Temporal server of their own. It returns the command's exit code.
func Test(ctx context.Context, command []string) (int, error) {
	if len(command) == 0 {
		return 2, errors.New("no command to run")
	}
	root, err := repoRoot()
	if err != nil {
		return 1, err
	}
	tmp, err := os.MkdirTemp("", "ccflow-test-")
	if err != nil {
		return 1, fmt.Errorf("making a folder for the test servers: %w", err)
	}
	defer os.RemoveAll(tmp)
	g := newGroup()
	defer g.stop() // before the folder goes

	dbURL, err := testPostgres(ctx, tmp, g)
	if err != nil {
		return 1, err
	}
	temporalPort, err := freePort()
	if err != nil {
		return 1, err
	}
	uiPort, err := freePort()
	if err != nil {
		return 1, err
	}
	cli := temporalCLI(root)
	endpoint, err := useOrStartTemporal(ctx, g, temporalOptions{
		cli:    cli,
		port:   temporalPort,
		uiPort: uiPort,
		out:    io.Discard, // its last lines are quoted should it fail
	})
	if err != nil {
		return 1, err
	}

	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"TEMPORAL_ADDRESS="+endpoint.address,
		"TEMPORAL_NAMESPACE="+endpoint.namespace,
		"TEMPORAL_UI_URL="+endpoint.uiURL,
		"TEMPORAL_CLI="+cli,
	)
	return runCommand(ctx, cmd, g)
}

// testPostgres uses DATABASE_URL or runs a throwaway server in tmp on a
// free port, tuned for speed over durability.
func testPostgres(ctx context.Context, tmp string, g *group) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	return useOrStartPostgres(ctx, g, postgresOptions{
		place:    func(owner *account) (string, error) { return testDataDir(tmp, owner) },
		port:     port,
		settings: []string{"max_connections=200", "fsync=off", "synchronous_commit=off", "full_page_writes=off"},
		fastInit: true,
		out:      io.Discard, // its last lines are quoted should it fail
	})
}
