package devenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/workflows"
)

// temporalEndpoint is where the Temporal server ccflow uses answers.
type temporalEndpoint struct {
	address   string
	namespace string
	uiURL     string // "" when unknown
}

// temporalOptions says how to run the Temporal CLI dev server.
type temporalOptions struct {
	cli    string // the pinned CLI binary
	port   int
	uiPort int
	dbFile string // "" keeps everything in memory
	out    io.Writer
}

// useOrStartTemporal returns TEMPORAL_ADDRESS when set, after checking it
// answers and registering the search attributes; otherwise it starts the
// CLI dev server into g.
func useOrStartTemporal(ctx context.Context, g *group, opts temporalOptions) (temporalEndpoint, error) {
	if addr := os.Getenv("TEMPORAL_ADDRESS"); addr != "" {
		return useTemporal(ctx, addr, opts.cli)
	}
	return startTemporal(ctx, g, opts)
}

func useTemporal(ctx context.Context, addr, cli string) (temporalEndpoint, error) {
	options, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return temporalEndpoint{}, fmt.Errorf("reading the TEMPORAL_* settings: %w", err)
	}
	if options.Namespace == "" {
		options.Namespace = client.DefaultNamespace
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := checkTemporal(ctx, options); err != nil {
		return temporalEndpoint{}, fmt.Errorf("TEMPORAL_ADDRESS=%s does not answer (%w): unset it to have devenv start a dev server", addr, err)
	}
	say("Temporal: using TEMPORAL_ADDRESS %s, namespace %s", addr, options.Namespace)
	registerSearchAttributes(ctx, cli, addr, options.Namespace)
	return temporalEndpoint{address: addr, namespace: options.Namespace, uiURL: os.Getenv("TEMPORAL_UI_URL")}, nil
}

// registerSearchAttributes adds ccflow's search attributes to a server
// devenv did not start. It only warns on failure: a Temporal Cloud
// namespace, for one, takes them through its own tools.
func registerSearchAttributes(ctx context.Context, cli, addr, namespace string) {
	if _, err := os.Stat(cli); err != nil {
		say("warning: cannot register ccflow's search attributes without the Temporal CLI at %s (make tools)", cli)
		return
	}
	for _, key := range workflows.SearchAttributeKeys {
		out, err := exec.CommandContext(ctx, cli, "operator", "search-attribute", "create",
			"--address", addr, "--namespace", namespace,
			"--name", key.GetName(), "--type", key.GetValueType().String()).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "already exists") {
			say("warning: registering search attribute %s on %s: %v: %s", key.GetName(), addr, err, strings.TrimSpace(string(out)))
		}
	}
}

// startTemporal runs the CLI dev server and waits until its default
// namespace answers.
func startTemporal(ctx context.Context, g *group, opts temporalOptions) (temporalEndpoint, error) {
	if _, err := os.Stat(opts.cli); err != nil {
		return temporalEndpoint{}, fmt.Errorf("the pinned Temporal CLI is not at %s: run `make tools` to build it", opts.cli)
	}
	for _, port := range []int{opts.port, opts.uiPort} {
		if !portFree(port) {
			return temporalEndpoint{}, fmt.Errorf("port %d is taken, so the Temporal dev server cannot start: "+
				"stop what uses it, or set TEMPORAL_ADDRESS to use a Temporal server that already runs", port)
		}
	}
	where := "in memory"
	if opts.dbFile != "" {
		where = "in " + opts.dbFile
	}
	start := time.Now()
	say("starting the Temporal dev server on %s:%d (Web UI on port %d, state %s)", loopback, opts.port, opts.uiPort, where)
	proc, err := startProcess("temporal", exec.Command(opts.cli, temporalArgs(opts)...), opts.out, syscall.SIGTERM, nil)
	if err != nil {
		return temporalEndpoint{}, err
	}
	g.add(proc)
	endpoint := temporalEndpoint{
		address:   loopback + ":" + strconv.Itoa(opts.port),
		namespace: client.DefaultNamespace,
		uiURL:     "http://localhost:" + strconv.Itoa(opts.uiPort),
	}
	if err := waitForTemporal(ctx, endpoint, proc); err != nil {
		return temporalEndpoint{}, err
	}
	say("Temporal ready in %s", since(start))
	return endpoint, nil
}

// TemporalDevServerArgs is the Temporal CLI command line of a dev server
// on loopback with ccflow's search attributes, keeping its state in dbFile
// ("" keeps it in memory): the one devenv runs, for tests that run their own.
func TemporalDevServerArgs(port, uiPort int, dbFile string) []string {
	return temporalArgs(temporalOptions{port: port, uiPort: uiPort, dbFile: dbFile})
}

// temporalArgs is the dev server's command line, registering ccflow's
// search attributes and tuned as devServerTuning says.
func temporalArgs(opts temporalOptions) []string {
	args := []string{"server", "start-dev", "--ip", loopback,
		"--port", strconv.Itoa(opts.port), "--ui-port", strconv.Itoa(opts.uiPort), "--log-level", "warn"}
	if opts.dbFile != "" {
		args = append(args, "--db-filename", opts.dbFile)
		for _, pragma := range sqlitePragmas {
			args = append(args, "--sqlite-pragma", pragma)
		}
	}
	for _, setting := range devServerSettings {
		args = append(args, "--dynamic-config-value", setting)
	}
	for _, key := range workflows.SearchAttributeKeys {
		args = append(args, "--search-attribute", key.GetName()+"="+key.GetValueType().String())
	}
	return args
}

// The dev server's own defaults spend its CPU where ccflow does not need
// it; measured with `make bench` (the raw start rate and the dev server's
// CPU time per start), on the 2-core machine docs/performance.md's figures
// come from.
var (
	// sqlitePragmas set the SQLite file of make dev's server. SQLite's
	// default rollback journal writes each changed page twice and syncs
	// the file several times per transaction, and the server has one
	// connection, so every Temporal write waits on all of that: WAL
	// writes each page once, and synchronous=NORMAL syncs the log at
	// checkpoints rather than at every commit. The trade-off: a crash of
	// any process, the server included (kill -9), loses nothing, and the
	// file is never corrupted, but a power cut or an operating-system
	// crash can lose the last transactions before the checkpoint, i.e.
	// runs started or advanced in the last moments. For a developer's
	// machine that is the right side of the trade: the server's CPU per
	// started run fell from about 14.5 ms to 9 ms and its start rate
	// roughly doubled; a server that must survive power loss is not a dev
	// server (see docs/web-ui.md and docs/deployment.md on clusters and Temporal Cloud).
	sqlitePragmas = []string{"journal_mode=wal", "synchronous=normal"}
	// devServerSettings are dynamic config values. The CLI makes the
	// server read a namespace's search attributes from SQLite on every
	// request that uses them, so attributes created while it runs work at
	// once; ccflow registers its own at start (--search-attribute), so
	// the cache may keep them, which saves about a millisecond of CPU per
	// start. One task-queue partition: with one matching host and a few
	// pollers, partitions only make a task miss the poller that waits for
	// it and go through the database instead. Eager activities: the
	// worker that completes a workflow task scheduling an activity on its
	// own queue gets the activity in the answer (the SDK asks for it by
	// default; the server grants it only when this is on), instead of
	// the activity going through matching to a poller: one round trip and
	// a matching task less per activity, which is what the customer's
	// first message waits on.
	devServerSettings = []string{
		"system.forceSearchAttributesCacheRefreshOnRead=false",
		"matching.numTaskqueueReadPartitions=1",
		"matching.numTaskqueueWritePartitions=1",
		"system.enableActivityEagerExecution=true",
	}
)

// waitForTemporal waits until the server answers for its namespace,
// failing early with the server's own words when it stops.
func waitForTemporal(ctx context.Context, endpoint temporalEndpoint, proc *process) error {
	options := client.Options{HostPort: endpoint.address, Namespace: endpoint.namespace}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := checkTemporal(attempt, options)
		cancel()
		switch {
		case err == nil:
			return nil
		case proc.exited():
			return proc.failure()
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("the Temporal dev server did not answer within 2 minutes: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkTemporal dials the server and describes the namespace: the server
// answers for it only once it is ready to take workflows.
func checkTemporal(ctx context.Context, options client.Options) error {
	options.Logger = log.NewStructuredLogger(slog.New(slog.DiscardHandler))
	c, err := client.DialContext(ctx, options)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: options.Namespace})
	if err != nil {
		return fmt.Errorf("describing namespace %s: %w", options.Namespace, err)
	}
	return nil
}
