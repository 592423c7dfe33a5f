package devenv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// serverPrograms are the programs a plain test run (no build tag, no
// servers named to it) must never start: PostgreSQL and its tools, the
// Temporal CLI and server, and the package manager that would install
// PostgreSQL. Names are as the kernel keeps them (at most 15 bytes).
var serverPrograms = []string{"postgres", "initdb", "pg_ctl", "pg_ctlcluster", "temporal", "temporal-server", "apt-get", "apt", "dpkg"}

// plainPoll is how often Plain looks at the command's processes: a server
// that starts lives for far longer (initdb alone takes a second).
// plainAfter is how long it keeps looking once the command has ended, for
// an orphan it left that has not become its program yet.
const (
	plainPoll  = 20 * time.Millisecond
	plainAfter = 300 * time.Millisecond
)

// Plain runs command (go test ./... with nothing running: `make
// test-plain`) and fails when the command started a server while it ran,
// naming each one and the test binary that started it: a plain test run
// must start nothing (integration tests sit behind the integration tag,
// run by Test). It returns the command's exit code, or 1 for a run that
// started a server.
func Plain(ctx context.Context, command []string) (int, error) {
	if len(command) == 0 {
		return 2, errors.New("no command to run")
	}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	started, err := watchServers(cmd, serverPrograms)
	if err != nil && started == nil {
		return 1, err
	}
	if len(started) > 0 {
		return 1, fmt.Errorf("%s started %d server process(es), which a plain run must not:\n  %s\n"+
			"move the tests that need a server behind //go:build integration (make test runs them)",
			strings.Join(command, " "), len(started), strings.Join(started, "\n  "))
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() > 0:
		return exitErr.ExitCode(), nil
	default:
		return 1, fmt.Errorf("%s: %w", cmd.Path, err)
	}
}

// watchServers starts cmd, waits for it and returns how it ended, with a
// description of every program named in servers that ran among its
// descendants meanwhile; started is nil when cmd could not be watched.
func watchServers(cmd *exec.Cmd, servers []string) (started []string, err error) {
	if err := adoptOrphans(); err != nil {
		return nil, err
	}
	// Processes below us already (orphans adopted earlier) are not the
	// command's.
	before, err := listProcesses()
	if err != nil {
		return nil, err
	}
	earlier := descendants(before, os.Getpid())
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	seen := map[int]string{}
	look := func() {
		procs, scanErr := listProcesses()
		if scanErr != nil {
			return // a process that ended as it was read; the next look sees the rest
		}
		for pid, p := range descendants(procs, os.Getpid()) {
			if _, ok := seen[pid]; !ok && !isEarlier(earlier, pid, p) && slices.Contains(servers, p.name) {
				seen[pid] = describe(procs, pid)
			}
		}
	}
	tick := time.NewTicker(plainPoll)
	defer tick.Stop()
	for {
		look()
		select {
		case err = <-waited:
			for end := time.Now().Add(plainAfter); time.Now().Before(end); time.Sleep(plainPoll) {
				look() // an orphan the command left behind
			}
			started = []string{}
			for _, pid := range slices.Sorted(maps.Keys(seen)) {
				started = append(started, seen[pid])
			}
			return started, err
		case <-tick.C:
		}
	}
}

// isEarlier reports whether pid is the process that was below us before
// the command started.
func isEarlier(earlier map[int]proc, pid int, p proc) bool {
	e, ok := earlier[pid]
	return ok && e.name == p.name
}

// proc is one process as /proc tells it.
type proc struct {
	name string // the kernel's name of its program
	ppid int
}

// descendants returns the processes below root in procs.
func descendants(procs map[int]proc, root int) map[int]proc {
	children := map[int][]int{}
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	out := map[int]proc{}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if _, done := out[c]; !done && c != root {
				out[c] = procs[c]
				queue = append(queue, c)
			}
		}
	}
	return out
}

// describe names a process and the test binary (a *.test ancestor) that
// started it, e.g. "postgres (pid 412) started by devenv.test (pid 398)".
func describe(procs map[int]proc, pid int) string {
	s := fmt.Sprintf("%s (pid %d)", procs[pid].name, pid)
	for a, hops := procs[pid].ppid, 0; a > 1 && hops < 64; a, hops = procs[a].ppid, hops+1 {
		if p, ok := procs[a]; ok && strings.HasSuffix(p.name, ".test") {
			return s + fmt.Sprintf(" started by %s (pid %d)", p.name, a)
		}
	}
	return s
}
