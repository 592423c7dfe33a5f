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
// own, started by StartSystem: configured as `make dev` runs it, on free
// ports in a throwaway folder, never using DATABASE_URL or
// TEMPORAL_ADDRESS: what it measures is the embedded default.
//
// The command gets CCFLOW_URL and CCFLOW_API_TOKEN (the starter),
// CCFLOW_WORKER_PID, CCFLOW_STARTER_PID, CCFLOW_TEMPORAL_PID and
// CCFLOW_POSTGRES_PID (to read their memory and CPU time),
// CCFLOW_TASK_QUEUE, CCFLOW_OUTBOX_DIR, DATABASE_URL, TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE and TEMPORAL_CLI, and CCFLOW_SMTP_ADDR: unlike make
// dev's, the worker sends email by SMTP to that loopback address, where
// the command may listen (SMS still goes to the outbox). It returns the
// command's exit code.
func System(ctx context.Context, command []string) (int, error) {
	if len(command) == 0 {
		return 2, errors.New("no command to run")
	}
	// Email goes to an SMTP server the command may run (the bench's first
	// message figure times the server's acceptance); until it listens, a
	// send fails to connect and is retried as any SMTP outage is.
	smtpPort, err := freePort()
	if err != nil {
		return 1, err
	}
	smtpAddr := loopback + ":" + strconv.Itoa(smtpPort)
	sys, err := StartSystem(ctx, SystemOptions{Env: []string{"SMTP_URL=smtp://" + smtpAddr}})
	if err != nil {
		return 1, err
	}
	defer sys.Stop()

	pids := sys.PIDs()
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(sys.env,
		"CCFLOW_URL="+sys.URL,
		"CCFLOW_TEMPORAL_PID="+strconv.Itoa(pids["temporal"]),
		"CCFLOW_POSTGRES_PID="+strconv.Itoa(pids["postgres"]),
		"CCFLOW_WORKER_PID="+strconv.Itoa(pids["worker"]),
		"CCFLOW_STARTER_PID="+strconv.Itoa(pids["starter"]),
		"CCFLOW_TASK_QUEUE="+sys.TaskQueue,
		"CCFLOW_SMTP_ADDR="+smtpAddr,
		"TEMPORAL_CLI="+sys.temporal.cli,
	)
	return runCommand(ctx, cmd, sys.g)
}

// SystemOptions says how StartSystem runs its ccflow.
type SystemOptions struct {
	// Env ("NAME=value") is added to the worker's and the starter's
	// environment, after and so over the defaults: SMTP_URL and TWILIO_*
	// to send through providers instead of the outbox, say.
	Env []string
	// LogDir, when set, keeps the output of the worker, the starter, the
	// Temporal dev server and PostgreSQL in LogDir/<name>.log, appended to
	// across restarts; otherwise it is discarded (the last lines of a
	// process that fails are quoted all the same).
	LogDir string
}

// RunningSystem is a whole ccflow StartSystem started. Its processes can be
// killed and started again (the soak does), each on the same port and data.
type RunningSystem struct {
	// URL and Token are the starter's API and its bearer token.
	URL, Token string
	// DatabaseURL, TemporalAddress and Namespace are the servers'.
	DatabaseURL, TemporalAddress, Namespace string
	// TaskQueue is the worker's task queue.
	TaskQueue string

	root, tmp, bin string
	g              *group
	env            []string // the worker's and the starter's environment
	postgres       *postgresRun
	temporal       temporalOptions
	logs           []*os.File
	logDir         string
}

// StartSystem starts a whole ccflow of its own, configured as `make dev`
// runs it: PostgreSQL with make dev's settings, the Temporal dev server
// keeping its state in a SQLite file, the worker and the starter built
// from this checkout, each on a free port, their data in a throwaway
// folder that Stop removes.
func StartSystem(ctx context.Context, opts SystemOptions) (_ *RunningSystem, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ccflow-system-")
	if err != nil {
		return nil, fmt.Errorf("making a folder for the system: %w", err)
	}
	sys := &RunningSystem{root: root, tmp: tmp, g: newGroup(), logDir: opts.LogDir}
	defer func() {
		if err != nil {
			sys.Stop()
		}
	}()
	if opts.LogDir != "" {
		if err := os.MkdirAll(opts.LogDir, 0o755); err != nil {
			return nil, fmt.Errorf("making the log folder: %w", err)
		}
	}

	pgPort, err := freePort()
	if err != nil {
		return nil, err
	}
	pgOut, err := sys.logFile("postgres")
	if err != nil {
		return nil, err
	}
	dbURL, pg, err := startPostgresServer(ctx, sys.g, postgresOptions{
		place:    func(owner *account) (string, error) { return testDataDir(tmp, owner) },
		port:     pgPort,
		database: "ccflow",
		settings: devPostgresSettings,
		fastInit: true, // only initdb skips fsync; the server runs as make dev's does
		out:      pgOut,
	})
	if err != nil {
		return nil, err
	}
	sys.postgres, sys.DatabaseURL = pg, dbURL
	ports := make([]int, 4)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	cli := temporalCLI(root)
	if v := os.Getenv("TEMPORAL_CLI"); v != "" {
		cli = v // a worktree without its own .tools uses the shared one
	}
	temporalOut, err := sys.logFile("temporal")
	if err != nil {
		return nil, err
	}
	sys.temporal = temporalOptions{
		cli:    cli,
		port:   ports[0],
		uiPort: ports[1],
		dbFile: filepath.Join(tmp, "temporal.db"),
		out:    temporalOut,
	}
	tc, err := startTemporal(ctx, sys.g, sys.temporal)
	if err != nil {
		return nil, err
	}
	sys.TemporalAddress, sys.Namespace = tc.address, tc.namespace
	if err := migrate(ctx, dbURL); err != nil {
		return nil, err
	}
	sys.bin = filepath.Join(tmp, "bin")
	if err := buildInto(ctx, root, sys.bin); err != nil {
		return nil, err
	}

	lookup := func(name string) (string, bool) {
		switch name {
		case "CCFLOW_HTTP_ADDR":
			return loopback + ":" + strconv.Itoa(ports[2]), true
		case "CCFLOW_WORKER_HTTP_ADDR":
			// Not :8081, which make dev's worker may hold.
			return loopback + ":" + strconv.Itoa(ports[3]), true
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
	sys.env = append(env, opts.Env...)
	sys.URL = httpURL(settingValue(settings, "CCFLOW_HTTP_ADDR"))
	sys.Token = settingValue(settings, "CCFLOW_API_TOKEN")
	sys.TaskQueue = cmp.Or(os.Getenv("CCFLOW_TASK_QUEUE"), config.DefaultTaskQueue)
	for _, name := range []string{"worker", "starter"} {
		if err := sys.start(name); err != nil {
			return nil, err
		}
	}
	if err := waitHealthy(ctx, apiclient.New(sys.URL, sys.Token, nil)); err != nil {
		return nil, err
	}
	say("ccflow is running at %s (Temporal %s with its state in SQLite, PostgreSQL on port %d)", sys.URL, tc.address, pgPort)
	return sys, nil
}

// logFile is where the process name's output goes.
func (s *RunningSystem) logFile(name string) (io.Writer, error) {
	if s.logDir == "" {
		return io.Discard, nil
	}
	f, err := os.OpenFile(filepath.Join(s.logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the log of %s: %w", name, err)
	}
	s.logs = append(s.logs, f)
	return f, nil
}

// start starts the built binary name (worker or starter).
func (s *RunningSystem) start(name string) error {
	out, err := s.logFile(name)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(s.bin, name))
	cmd.Dir, cmd.Env = s.root, append(s.env, "CCFLOW_LOG_LEVEL=warn")
	proc, err := startProcess(name, cmd, out, syscall.SIGTERM, nil)
	if err != nil {
		return err
	}
	s.g.add(proc)
	return nil
}

// PIDs returns the process id of the worker, the starter, "temporal" and
// "postgres", as they run now.
func (s *RunningSystem) PIDs() map[string]int {
	pids := map[string]int{}
	for _, p := range s.g.list() {
		if !p.exited() {
			pids[p.name] = p.cmd.Process.Pid
		}
	}
	return pids
}

// KillWorker kills the worker with SIGKILL, as a crash or a power cut
// would, and waits until it is gone; StartWorker starts another.
func (s *RunningSystem) KillWorker() error {
	p := s.g.last("worker")
	if p == nil || p.exited() {
		return errors.New("the worker is not running")
	}
	if err := p.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("killing the worker (pid %d): %w", p.cmd.Process.Pid, err)
	}
	<-p.done
	s.g.remove(p)
	return nil
}

// StartWorker starts the worker again after KillWorker.
func (s *RunningSystem) StartWorker() error {
	if p := s.g.last("worker"); p != nil && !p.exited() {
		return errors.New("the worker is already running")
	}
	return s.start("worker")
}

// RestartTemporal stops the Temporal dev server as an operator would
// (SIGTERM) and starts it again on the same port and SQLite file, so its
// state survives; it returns once the server answers again.
func (s *RunningSystem) RestartTemporal(ctx context.Context) error {
	if p := s.g.last("temporal"); p != nil {
		p.stop()
		s.g.remove(p)
	}
	_, err := startTemporal(ctx, s.g, s.temporal)
	return err
}

// RestartPostgres stops PostgreSQL with a fast shutdown (SIGINT: open
// transactions are rolled back, connections dropped) and starts it again
// on the same data folder and port; it returns once it answers again.
func (s *RunningSystem) RestartPostgres(ctx context.Context) error {
	if p := s.postgres.proc; p != nil {
		p.stop()
		s.g.remove(p)
	}
	return s.postgres.launch(ctx, s.g)
}

// Stop stops every process, last started first, and removes the folder.
func (s *RunningSystem) Stop() {
	s.g.stop()
	for _, f := range s.logs {
		_ = f.Close()
	}
	_ = os.RemoveAll(s.tmp)
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
	for _, p := range g.list() {
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
