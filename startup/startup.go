// Package startup is what ccflow's two binaries, the starter and the
// worker, do before their own work, so they do it the same way: answer
// --version, stop on SIGINT or SIGTERM, read their settings, log (every
// line of a request naming it), set up telemetry, open the store, read the
// survey-link key and prepare the Temporal client's options. Each main is
// then its own wiring:
//
//	func main() { startup.Main(config.Starter, run) }
//
//	func run(ctx context.Context, p *startup.Process) error { … }
package startup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/requestid"
)

// Process is what a binary has once started.
type Process struct {
	// Name is the binary's: starter or worker.
	Name   string
	Config config.Config
	Build  buildinfo.Info
	// Log is the binary's logger, also slog's default.
	Log       *slog.Logger
	Telemetry *telemetry.Telemetry
	// Store is open, its schema up to date.
	Store *store.Store
	// Keys are the keys derived from the link secret: survey links,
	// unsubscribe links and the keyed hashes of addresses.
	Keys *linkkeys.Keys
	// WebhookSealer seals and opens webhook subscriptions' signing
	// secrets, with keys derived from CCFLOW_PAYLOAD_KEYS or the store's.
	WebhookSealer *webhook.Sealer
	// Temporal are the options of the binary's Temporal client, with
	// ccflow's logger, metrics and tracing.
	Temporal client.Options
}

// names are the binaries' names, by the part of the configuration they read.
var names = map[config.Part]string{config.Starter: "starter", config.Worker: "worker"}

// Main runs the binary whose configuration is part: with --version it
// prints the build and returns; otherwise it starts the process (Start)
// and runs run until it returns, with a context that SIGINT or SIGTERM
// cancels. A failure is logged and exits with status 1; a wrong argument
// exits with status 2.
func Main(part config.Part, run func(ctx context.Context, p *Process) error) {
	os.Exit(main(part, os.Args[1:], os.Stdout, os.Stderr, run))
}

// main is Main up to the exit status.
func main(part config.Part, args []string, stdout, stderr io.Writer, run func(context.Context, *Process) error) int {
	name := names[part]
	if printed, err := buildinfo.HandleVersionFlag(name, args, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	} else if printed {
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := Start(ctx, part)
	if err == nil {
		err = run(ctx, p)
		p.Close()
	}
	if err != nil {
		slog.Error(name+" stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// Start reads the configuration of part, then sets up in order the logger,
// telemetry, the store (migrated), the link keys (moving rows hashed with an older key to the current one) and the webhook secrets' sealer, and the
// Temporal client's options. What it opened is closed by Close, or at once
// when it fails.
func Start(ctx context.Context, part config.Part) (_ *Process, err error) {
	p := &Process{Name: names[part], Build: buildinfo.Read()}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.Config, err = config.Load(part); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	// Every line logged with a request's context names the request.
	p.Log = slog.New(requestid.LogHandler(p.Config.Logger(os.Stderr).Handler()))
	slog.SetDefault(p.Log)
	p.Log.Info(p.Name+" starting", slog.String("version", p.Build.Version), slog.String("revision", p.Build.Revision),
		slog.Bool("modified", p.Build.Modified), slog.String("go", p.Build.GoVersion), slog.String("build_id", p.Build.BuildID()))

	if p.Telemetry, err = telemetry.Setup(ctx, telemetry.Options{Service: "ccflow-" + p.Name, Build: p.Build}); err != nil {
		return nil, err
	}
	for _, warning := range p.Config.Warnings() {
		p.Log.Warn(warning)
	}
	if p.Store, err = store.OpenMigrated(ctx, p.Config.DatabaseURL); err != nil {
		return nil, err
	}
	if p.Keys, err = p.Config.LinkKeys(ctx, p.Store); err != nil {
		return nil, err
	}
	// Rows hashed with an older key (or none) move to the current one
	// before anything is served.
	if err = usecase.RekeyAddresses(ctx, p.Store, p.Keys, p.Log); err != nil {
		return nil, err
	}
	if p.WebhookSealer, err = p.Config.WebhookSealer(ctx, p.Store); err != nil {
		return nil, err
	}
	p.Temporal = p.Config.Temporal
	p.Temporal.Logger = sdklog.NewStructuredLogger(p.Log)
	if err := p.Telemetry.Temporal(&p.Temporal); err != nil {
		return nil, err
	}
	return p, nil
}

// Close closes the store and flushes the spans not yet exported, within a
// bound.
func (p *Process) Close() {
	if p.Store != nil {
		p.Store.Close()
	}
	if p.Telemetry != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Telemetry.Shutdown(ctx); err != nil {
			p.Log.Warn("flushing telemetry", slog.Any("error", err))
		}
	}
}
