package devenv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/config"
)

// System runs command (the benchmarks, say) against a whole ccflow of its
// own, configured as `make dev` runs it: PostgreSQL with make dev's
// settings, the Temporal dev server keeping its state in a SQLite file,
// the worker and the starter built from this checkout. Everything is on
// free ports in a throwaway folder, so it runs beside `make dev` and the
// shared test servers, and it never uses DATABASE_URL or TEMPORAL_ADDRESS:
// what it measures is the embedded default.
//
// The command gets CCFLOW_URL and CCFLOW_API_TOKEN (the starter),
// CCFLOW_WORKER_PID, CCFLOW_STARTER_PID, CCFLOW_TEMPORAL_PID and
// CCFLOW_POSTGRES_PID (to read their memory and CPU time),
// CCFLOW_TASK_QUEUE, CCFLOW_OUTBOX_DIR, DATABASE_URL, TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE and TEMPORAL_CLI. It returns the command's exit code.
func System(ctx context.Context, command []string) (int, error) {
	if len(command) == 0 {
		return 2, errors.New("no command to run")
	}
	root, err := repoRoot()
	if err != nil {
		return 1, err
	}
	tmp, err := os.MkdirTemp("", "ccflow-system-")
	if err != nil {
		return 1, fmt.Errorf("making a folder for the system: %w", err)
	}
	defer os.RemoveAll(tmp)
	g := newGroup()
	defer g.stop() // before the folder goes

	pgPort, err := freePort()
	if err != nil {
		return 1, err
	}
	dbURL, err := startPostgres(ctx, g, postgresOptions{
		place:    func(owner *account) (string, error) { return testDataDir(tmp, owner) },
		port:     pgPort,
		database: "ccflow",
		settings: devPostgresSettings,
		fastInit: true, // only initdb skips fsync; the server runs as make dev's does
		out:      io.Discard,
	})
	if err != nil {
		return 1, err
	}
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return 1, err
		}
	}
	cli := temporalCLI(root)
	if v := os.Getenv("TEMPORAL_CLI"); v != "" {
		cli = v // a worktree without its own .tools uses the shared one
	}
	tc, err := startTemporal(ctx, g, temporalOptions{
		cli:    cli,
		port:   ports[0],
		uiPort: ports[1],
		dbFile: filepath.Join(tmp, "temporal.db"),
		out:    io.Discard,
	})
	if err != nil {
		return 1, err
	}
	if err := migrate(ctx, dbURL); err != nil {
		return 1, err
	}
	bin := filepath.Join(tmp, "bin")
	if err := buildInto(ctx, root, bin); err != nil {
		return 1, err
	}

	lookup := func(name string) (string, bool) {
		switch name {
		case "CCFLOW_HTTP_ADDR":
			return loopback + ":" + strconv.Itoa(ports[2]), true
		case "CCFLOW_OUTBOX_DIR":
			return filepath.Join(tmp, "outbox"), true
		}
		return os.LookupEnv(name)
	}
	settings := devSettings(lookup, root, dbURL, tc)
	env := os.Environ()
	for _, s := range settings {
		env = append(env, s.name+"="+s.value)
	}
	pids := map[string]int{}
	for _, name := range []string{"worker", "starter"} {
		cmd := exec.Command(filepath.Join(bin, name))
		cmd.Dir, cmd.Env = root, append(env, "CCFLOW_LOG_LEVEL=warn")
		proc, err := startProcess(name, cmd, io.Discard, syscall.SIGTERM, nil)
		if err != nil {
			return 1, err
		}
		g.add(proc)
		pids[name] = cmd.Process.Pid
	}
	baseURL := httpURL(settingValue(settings, "CCFLOW_HTTP_ADDR"))
	if err := waitHealthy(ctx, apiclient.New(baseURL, settingValue(settings, "CCFLOW_API_TOKEN"), nil)); err != nil {
		return 1, err
	}
	say("ccflow is running at %s (Temporal %s with its state in SQLite, PostgreSQL on port %d)", baseURL, tc.address, pgPort)

	for _, p := range g.procs {
		if p.name == "postgres" || p.name == "temporal" {
			pids[p.name] = p.cmd.Process.Pid
		}
	}

	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(env,
		"CCFLOW_URL="+baseURL,
		"CCFLOW_TEMPORAL_PID="+strconv.Itoa(pids["temporal"]),
		"CCFLOW_POSTGRES_PID="+strconv.Itoa(pids["postgres"]),
		"CCFLOW_WORKER_PID="+strconv.Itoa(pids["worker"]),
		"CCFLOW_STARTER_PID="+strconv.Itoa(pids["starter"]),
		"CCFLOW_TASK_QUEUE="+cmp.Or(os.Getenv("CCFLOW_TASK_QUEUE"), config.DefaultTaskQueue),
		"TEMPORAL_CLI="+cli,
	)
	return runCommand(ctx, cmd, g)
}

// runCommand runs cmd to its end (passing on a Ctrl-C), warns about the
// servers of g that stopped meanwhile, and returns cmd's exit code.
func runCommand(ctx context.Context, cmd *exec.Cmd, g *group) (int, error) {
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var runErr error
	select {
	case runErr = <-waited:
	case <-ctx.Done():
		// A Ctrl-C reached the command too; a SIGTERM reached only us.
		_ = cmd.Process.Signal(os.Interrupt)
		runErr = <-waited
	}
	for _, p := range g.procs {
		if p.exited() {
			say("warning: %v", p.failure())
		}
	}
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
		return 0, nil
	case errors.As(runErr, &exitErr) && exitErr.ExitCode() > 0:
		return exitErr.ExitCode(), nil
	default:
		return 1, fmt.Errorf("%s: %w", cmd.Path, runErr)
	}
}
