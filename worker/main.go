// Command worker is ccflow's Temporal worker: it runs the follow-up
// workflow and its activities (email, SMS, surveys, HTTP requests) on the
// task queue.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/internal/buildinfo"
	"github.com/ccflow/ccflow/internal/requestid"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/providers/senders"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// drainTimeout is how long a stopping worker waits for its activities in
// flight: longer than one send attempt may take, so every send it began
// is recorded before it exits.
const drainTimeout = workflows.SendTimeout + 10*time.Second

// Dialing Temporal is retried for dialPatience, so the worker can start
// before the server in `make dev` and docker compose.
const (
	dialPatience   = 2 * time.Minute
	dialRetryDelay = 2 * time.Second
)

func main() {
	if printed, err := buildinfo.HandleVersionFlag("worker", os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	} else if printed {
		return
	}
	if err := run(); err != nil {
		slog.Error("worker stopped", slog.Any("error", err))
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(config.Worker)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	build := buildinfo.Read()
	log := slog.New(requestid.LogHandler(cfg.Logger(os.Stderr).Handler()))
	slog.SetDefault(log)
	log.Info("worker starting", slog.String("version", build.Version), slog.String("revision", build.Revision),
		slog.Bool("modified", build.Modified), slog.String("go", build.GoVersion), slog.String("build_id", build.BuildID()))

	tel, err := telemetry.Setup(ctx, telemetry.Options{Service: "ccflow-worker", Build: build})
	if err != nil {
		return err
	}
	defer shutdownTelemetry(tel, log)

	for _, warning := range cfg.Warnings() {
		log.Warn(warning)
	}

	st, err := store.OpenMigrated(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()

	// The probes answer from here on: alive while Temporal is awaited, and
	// ready once it answers.
	probes := newProbeServer(cfg.WorkerHTTPAddr, build, st, tel, log)
	probeErr := make(chan error, 1)
	go func() { probeErr <- probes.serve() }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = probes.shutdown(shutdownCtx)
	}()
	log.Info("worker probes listening", slog.String("addr", cfg.WorkerHTTPAddr))

	keys, err := cfg.LinkKeys(ctx, st)
	if err != nil {
		return err
	}
	if err := usecase.RekeyAddresses(ctx, st, keys, log); err != nil {
		return err
	}
	mailer, err := senders.NewMailer(cfg.SMTPURL, cfg.OutboxDir)
	if err != nil {
		return err
	}
	temporalOpts := cfg.Temporal
	temporalOpts.Logger = sdklog.NewStructuredLogger(log)
	if err := tel.Temporal(&temporalOpts); err != nil {
		return err
	}
	tc, err := dial(ctx, temporalOpts, log)
	if ctx.Err() != nil {
		return nil // stopped before Temporal answered: nothing to clean up
	}
	if err != nil {
		return err
	}
	defer tc.Close()
	probes.connected(tc)

	// The cache is the SDK's, one per process, set before the first worker.
	worker.SetStickyWorkflowCacheSize(cfg.WorkerCacheSize)
	w := worker.New(tc, cfg.TaskQueue, workerOptions(build))
	workflows.Register(w)
	activities.Register(w, &activities.Activities{
		Store:     st,
		Mailer:    mailer,
		SMS:       senders.NewSMSSender(cfg.Twilio, cfg.OutboxDir),
		Signer:    keys.Survey,
		Keys:      keys,
		PublicURL: cfg.PublicURL,
		SurveyTTL: cfg.SurveyTTL,
		From:      cfg.EmailFrom,
		// External requests may reach no internal address: those go
		// through connections.
		HTTP:            httpcall.New(netguard.New(), cfg.Connections),
		Log:             log,
		DefaultTimeZone: cfg.TimeZone,
		Metrics:         tel.Metrics,
		DecisionHook: func(e activities.DecisionEvent) {
			tel.Metrics.PolicyDecision(e.Channel, e.Outcome, e.Code)
		},
		Retention: cfg.Retention,
		OutboxDir: cfg.OutboxDir,
	})
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting the worker on task queue %s: %w", cfg.TaskQueue, err)
	}
	// Retention needs a schedule to run: a worker that cannot make it still
	// sends, and says loudly that old data is not being deleted.
	if id, err := usecase.EnsureRetentionSchedule(ctx, tc, cfg.TaskQueue); err != nil {
		log.Error("the daily retention schedule could not be made: customer data past CCFLOW_RETENTION is not deleted until a worker makes it",
			slog.String("schedule", id), slog.Any("error", err))
	} else {
		log.Info("retention scheduled daily", slog.String("schedule", id), slog.Duration("retention", cfg.Retention))
	}
	for _, warning := range senders.Warnings(cfg.SMTPURL, cfg.Twilio, cfg.OutboxDir) {
		log.Warn(warning)
	}
	log.Info("worker polling", slog.String("temporal", temporalOpts.HostPort), slog.String("task_queue", cfg.TaskQueue),
		slog.Bool("smtp", cfg.SMTPURL != ""), slog.Bool("twilio", cfg.Twilio != nil), slog.String("outbox", cfg.OutboxDir),
		slog.Any("connections", cfg.Connections.Names()), slog.Any("payload_keys", cfg.PayloadKeyIDs()),
		slog.Int("cache_size", cfg.WorkerCacheSize))
	select {
	case <-ctx.Done():
	case err := <-probeErr:
		w.Stop()
		return fmt.Errorf("serving the probes on %s (CCFLOW_WORKER_HTTP_ADDR): %w", cfg.WorkerHTTPAddr, err)
	}
	log.Info("worker shutting down: letting the activities in flight finish", slog.Duration("at_most", drainTimeout))
	w.Stop()
	return nil
}

// shutdownTelemetry flushes the spans not yet exported, within a bound.
func shutdownTelemetry(tel *telemetry.Telemetry, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		log.Warn("flushing telemetry", slog.Any("error", err))
	}
}

// dial connects to Temporal, retrying while it does not answer yet.
func dial(ctx context.Context, opts client.Options, log *slog.Logger) (client.Client, error) {
	giveUp := time.Now().Add(dialPatience)
	for attempt := 1; ; attempt++ {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if time.Now().After(giveUp) {
			return nil, fmt.Errorf("connecting to Temporal at %s (TEMPORAL_ADDRESS): no answer for %s: %w", opts.HostPort, dialPatience, err)
		}
		log.Warn("Temporal is not answering yet; retrying", slog.String("address", opts.HostPort),
			slog.Int("attempt", attempt), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(dialRetryDelay):
		}
	}
}
