//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"log/slog"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/internal/devenv"
	"github.com/ccflow/ccflow/internal/testenv"
)

// temporalServer is a Temporal dev server of one test's own. `make test`'s
// shared server keeps its state in memory; this one keeps it in a file, so
// it can stop and start again with its workflows and timers.
type temporalServer struct {
	t    *testing.T
	cmd  []string // the pinned CLI and its arguments
	proc *process
	// address is the server's host:port, the same across restarts.
	address string
	// uiURL is its Web UI's, when it serves one.
	uiURL string
}

// startTemporalServer starts the pinned Temporal CLI's dev server on free
// ports with ccflow's search attributes and waits until it answers; it is
// stopped when the test ends.
func startTemporalServer(t *testing.T) *temporalServer {
	t.Helper()
	return startTemporalServerUI(t, false)
}

// startTemporalServerUI is startTemporalServer with its Web UI when
// withUI is set.
func startTemporalServerUI(t *testing.T, withUI bool) *temporalServer {
	t.Helper()
	port, uiPort := freePort(t), freePort(t)
	dbFile := filepath.Join(t.TempDir(), "temporal.db")
	srv := &temporalServer{
		t:       t,
		cmd:     append([]string{testenv.TemporalCLI(t)}, devenv.TemporalDevServerArgs(port, uiPort, dbFile)...),
		address: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
	}
	if withUI {
		srv.uiURL = "http://localhost:" + strconv.Itoa(uiPort)
	} else {
		srv.cmd = append(srv.cmd, "--headless")
	}
	srv.start()
	return srv
}

// start runs the server on its file and ports and waits until its default
// namespace answers.
func (srv *temporalServer) start() {
	srv.t.Helper()
	srv.proc = startProcess(srv.t, "temporal", exec.Command(srv.cmd[0], srv.cmd[1:]...))
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := srv.answers()
		switch {
		case err == nil:
			return
		case srv.proc.exited():
			srv.t.Fatalf("the Temporal dev server at %s exited before it answered: %v", srv.address, err)
		case time.Now().After(deadline):
			srv.t.Fatalf("the Temporal dev server at %s did not answer within 30s: %v", srv.address, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop stops the server as an operator would (SIGTERM) and waits until it
// has exited.
func (srv *temporalServer) stop() {
	srv.proc.stop(syscall.SIGTERM)
}

// answers tells whether the server serves its default namespace, which it
// does only once it can take workflows.
func (srv *temporalServer) answers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort: srv.address,
		Logger:   log.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: client.DefaultNamespace})
	return err
}

func freePort(t *testing.T) int {
	t.Helper()
	_, port, err := net.SplitHostPort(freeAddr(t))
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return n
}
