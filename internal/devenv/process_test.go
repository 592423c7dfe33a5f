package devenv

import (
	"io"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGroupReportsAChildThatEnds(t *testing.T) {
	g := newGroup()
	t.Cleanup(g.stop)
	p, err := startProcess("failing", exec.Command("sh", "-c", "echo cannot start; exit 3"), io.Discard, syscall.SIGTERM, nil)
	require.NoError(t, err)
	g.add(p)

	ended := <-g.ended

	require.Same(t, p, ended)
	require.ErrorContains(t, ended.failure(), "failing stopped (exit status 3)")
	require.ErrorContains(t, ended.failure(), "cannot start")
}

func TestGroupStopStopsEveryChild(t *testing.T) {
	g := newGroup()
	var procs []*process
	for _, name := range []string{"first", "second"} {
		p, err := startProcess(name, exec.Command("sleep", "60"), io.Discard, syscall.SIGTERM, nil)
		require.NoError(t, err)
		g.add(p)
		procs = append(procs, p)
	}

	g.stop()

	for _, p := range procs {
		require.True(t, p.exited(), p.name)
	}
}
