package devenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// maxSocketPath is the longest unix socket path every platform accepts.
const maxSocketPath = 103

// postgresOptions says how to run a private PostgreSQL server.
type postgresOptions struct {
	// place says where the data folder (PGDATA) goes, given who runs the
	// server, which is known only once PostgreSQL is installed.
	place    func(owner *account) (string, error)
	port     int       // on 127.0.0.1
	database string    // made when missing; "" for none
	settings []string  // name=value server settings
	fastInit bool      // initdb skips fsync: the folder is thrown away after
	out      io.Writer // where the server's log goes
}

// postgresServer is a private server's settled options.
type postgresServer struct {
	postgresOptions
	dataDir string   // made with initdb when empty
	owner   *account // who runs it; nil for us
}

// useOrStartPostgres returns the URL of DATABASE_URL when it answers,
// otherwise of a private server it starts into g.
func useOrStartPostgres(ctx context.Context, g *group, opts postgresOptions) (string, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		err := pingDatabase(ctx, u, 2*time.Second)
		if err == nil {
			say("PostgreSQL: using DATABASE_URL %s", redact(u))
			return u, nil
		}
		say("PostgreSQL: DATABASE_URL %s does not answer (%v): starting a private server instead", redact(u), err)
	}
	return startPostgres(ctx, g, opts)
}

// startPostgres runs a private server from the machine's binaries and
// returns the URL of opts.database (or of the postgres database).
func startPostgres(ctx context.Context, g *group, opts postgresOptions) (string, error) {
	u, _, err := startPostgresServer(ctx, g, opts)
	return u, err
}

// postgresRun is a private server devenv started: enough to start it again
// on the same data folder and port.
type postgresRun struct {
	bin    string
	server postgresServer
	proc   *process
}

// startPostgresServer is startPostgres, also returning the running server.
func startPostgresServer(ctx context.Context, g *group, opts postgresOptions) (string, *postgresRun, error) {
	bin, err := findOrInstallPostgres(ctx)
	if err != nil {
		return "", nil, err
	}
	server := postgresServer{postgresOptions: opts}
	if server.owner, err = postgresAccount(); err != nil {
		return "", nil, err
	}
	if server.dataDir, err = opts.place(server.owner); err != nil {
		return "", nil, err
	}
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil {
		return "", nil, fmt.Errorf("asking %s for its version: %w", filepath.Join(bin, "postgres"), err)
	}
	version, err := parsePostgresVersion(string(out))
	if err != nil {
		return "", nil, err
	}
	if err := initDataDir(ctx, bin, version, server); err != nil {
		return "", nil, err
	}

	start := time.Now()
	say("starting PostgreSQL %s in %s on %s:%d", version, server.dataDir, loopback, opts.port)
	run := &postgresRun{bin: bin, server: server}
	if err := run.launch(ctx, g); err != nil {
		return "", nil, err
	}
	serverURL := postgresURL(opts.port, "postgres")
	if opts.database == "" {
		say("PostgreSQL ready in %s", since(start))
		return serverURL, run, nil
	}
	if err := createDatabase(ctx, serverURL, opts.database); err != nil {
		return "", nil, err
	}
	say("PostgreSQL ready in %s", since(start))
	return postgresURL(opts.port, opts.database), run, nil
}

// launch starts the server process into g and waits until it answers.
func (r *postgresRun) launch(ctx context.Context, g *group) error {
	cmd := exec.Command(filepath.Join(r.bin, "postgres"), postgresArgs(r.server)...)
	cmd.Dir = r.server.dataDir
	proc, err := startProcess("postgres", cmd, r.server.out, syscall.SIGINT, r.server.owner) // SIGINT: fast shutdown
	if err != nil {
		return err
	}
	g.add(proc)
	r.proc = proc
	return waitForPostgres(ctx, postgresURL(r.server.port, "postgres"), proc)
}

// initDataDir makes opts.dataDir a database cluster unless it already is
// one of this major version.
func initDataDir(ctx context.Context, bin, version string, opts postgresServer) error {
	stamp, err := os.ReadFile(filepath.Join(opts.dataDir, "PG_VERSION"))
	if err == nil {
		if have, want := strings.TrimSpace(string(stamp)), majorVersion(version); have != want {
			return fmt.Errorf("%s holds PostgreSQL %s data but this machine has PostgreSQL %s: "+
				"remove the folder (make clean) to start afresh", opts.dataDir, have, want)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading the data folder's version: %w", err)
	}
	if err := os.MkdirAll(opts.dataDir, 0o700); err != nil {
		return fmt.Errorf("making the PostgreSQL data folder: %w", err)
	}
	if err := opts.owner.own(opts.dataDir); err != nil {
		return err
	}
	if blocked := opts.owner.blockedFolder(opts.dataDir); blocked != "" {
		return fmt.Errorf("the %s user, which runs PostgreSQL, cannot enter %s on the way to %s", opts.owner.name, blocked, opts.dataDir)
	}

	start := time.Now()
	say("initialising a PostgreSQL %s data folder in %s", version, opts.dataDir)
	args := []string{"-D", opts.dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if opts.fastInit {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.Dir = opts.dataDir
	tail := newTailBuffer(16 << 10)
	cmd.Stdout, cmd.Stderr = tail, tail
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: opts.owner.credential()}
	if err := cmd.Run(); err != nil {
		os.RemoveAll(opts.dataDir) // a half-made cluster would fail the next start too
		return fmt.Errorf("initdb in %s: %w; its last output:\n%s", opts.dataDir, err, tail.Lines(15))
	}
	say("data folder ready in %s", since(start))
	return nil
}

// postgresArgs are the server's command line: loopback only, its unix
// socket inside the data folder (none when that path is too long for a
// socket), trust authentication as initdb set it.
func postgresArgs(opts postgresServer) []string {
	socketDir := opts.dataDir
	if len(filepath.Join(socketDir, ".s.PGSQL."+strconv.Itoa(opts.port))) > maxSocketPath {
		socketDir = ""
	}
	args := []string{"-D", opts.dataDir, "-p", strconv.Itoa(opts.port), "-k", socketDir,
		"-c", "listen_addresses=" + loopback}
	for _, s := range opts.settings {
		args = append(args, "-c", s)
	}
	return args
}

func postgresURL(port int, database string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: loopback + ":" + strconv.Itoa(port),
		Path: "/" + database, RawQuery: "sslmode=disable"}
	return u.String()
}

// waitForPostgres waits until the server at serverURL answers, failing
// early with the server's own words when it stops.
func waitForPostgres(ctx context.Context, serverURL string, proc *process) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := pingDatabase(ctx, serverURL, time.Second)
		switch {
		case err == nil:
			return nil
		case proc.exited():
			return proc.failure()
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("PostgreSQL did not answer within a minute: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pingDatabase reports whether the database at u answers within timeout.
func pingDatabase(ctx context.Context, u string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := sql.Open("postgres", u)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// createDatabase makes database on the server unless it exists.
func createDatabase(ctx context.Context, serverURL, database string) error {
	db, err := sql.Open("postgres", serverURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, database).
		Scan(&exists); err != nil {
		return fmt.Errorf("looking for database %s: %w", database, err)
	}
	if exists {
		return nil
	}
	// A name cannot be a bind parameter; it is ours and quoted.
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(database)); err != nil {
		return fmt.Errorf("creating database %s: %w", database, err)
	}
	return nil
}

// redact hides a URL's password for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
