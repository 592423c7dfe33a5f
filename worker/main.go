// Command worker is ccflow's Temporal worker: it runs the follow-up
// workflow and its activities (email, SMS, surveys, HTTP requests) on the
// task queue.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/providers/senders"
	"github.com/ccflow/ccflow/providers/webhooksend"
	"github.com/ccflow/ccflow/startup"
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

func main() { startup.Main(config.Worker, run) }

func run(ctx context.Context, p *startup.Process) error {
	cfg, log, tel, st, build := p.Config, p.Log, p.Telemetry, p.Store, p.Build
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

	webhookSealer := p.WebhookSealer
	if n, err := usecase.ResealWebhookSecrets(ctx, st, webhookSealer); err != nil {
		log.Error("sealing webhook secrets with the current key failed; they stay sealed with the older one", slog.Any("error", err))
	} else if n > 0 {
		log.Info("webhook secrets sealed again with the current key", slog.Int("secrets", n), slog.String("key", webhookSealer.KeyID()))
	}
	mailer, err := senders.NewMailer(cfg.SMTPURL, cfg.OutboxDir)
	if err != nil {
		return err
	}
	tc, err := dial(ctx, p.Temporal, log)
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
		Signer:    p.Keys.Survey,
		Keys:      p.Keys,
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
		// Webhook receivers may be at no internal address either, but
		// those CCFLOW_WEBHOOK_ALLOW lists.
		Webhooks:      webhooksend.New(cfg.Webhooks.Allow),
		WebhookSealer: webhookSealer,
	})
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting the worker on task queue %s: %w", cfg.TaskQueue, err)
	}
	// The workers hand webhook deliveries to Temporal (see
	// usecase.WebhookDispatcher for why here); several at once are safe.
	dispatcher := &usecase.WebhookDispatcher{Store: st, Temporal: tc, TaskQueue: cfg.TaskQueue, Retry: cfg.Webhooks.Retry, Log: log}
	dispatchCtx, stopDispatch := context.WithCancel(ctx)
	defer stopDispatch()
	go func() { _ = dispatcher.Run(dispatchCtx) }()
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
	log.Info("worker polling", slog.String("temporal", p.Temporal.HostPort), slog.String("task_queue", cfg.TaskQueue),
		slog.Bool("smtp", cfg.SMTPURL != ""), slog.Bool("twilio", cfg.Twilio != nil), slog.String("outbox", cfg.OutboxDir),
		slog.Any("connections", cfg.Connections.Names()), slog.Any("payload_keys", cfg.PayloadKeyIDs()),
		slog.Int("cache_size", cfg.WorkerCacheSize), slog.String("webhook_allow", cfg.Webhooks.Allow.String()))
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
