// Command starter is ccflow's HTTP service: it takes ended interactions and
// starts their follow-ups, serves the entry API, the survey pages and the
// workflow controls. It starts while Temporal is down and answers 503 until
// Temporal is back.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/providers/webhooksend"
	"github.com/ccflow/ccflow/startup"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/telemetry/httpwrap"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/auth"
	"github.com/ccflow/ccflow/web/console"
)

// shutdownGrace is how long requests in flight get to finish on SIGTERM.
const shutdownGrace = 20 * time.Second

func main() { startup.Main(config.Starter, run) }

func run(ctx context.Context, p *startup.Process) error {
	cfg, log, tel, st := p.Config, p.Log, p.Telemetry, p.Store
	tc, err := client.NewLazyClient(p.Temporal)
	if err != nil {
		return fmt.Errorf("preparing the Temporal client for %s: %w", p.Temporal.HostPort, err)
	}
	defer tc.Close()

	service := &usecase.Service{Store: st, Temporal: tc, TaskQueue: cfg.TaskQueue, Signer: p.Keys.Survey, Keys: p.Keys, Log: log,
		Metrics: tel.Metrics, WebhookSealer: p.WebhookSealer, WebhookURLs: webhooksend.New(cfg.Webhooks.Allow),
		PayloadConverter: payloadConverter(cfg),
		Simulation:       usecase.SimulationSettings{DefaultTimeZone: cfg.TimeZone, PublicURL: cfg.PublicURL}}
	// The background work (the entry index kept current, started runs
	// confirmed in batches, stale claims settled) outlives the signal until
	// requests in flight are done, so their started runs are confirmed.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	background, err := service.StartBackground(bgCtx)
	if err != nil {
		return err
	}
	// Failed token checks of the API and the console's sign-ins add up.
	backoff := auth.NewBackoff(auth.DefaultBackoffEvery, auth.DefaultBackoffBurst)
	admin, err := newConsole(ctx, cfg, st, service, backoff, log)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, admin)
	mux.Handle("/", api.New(api.Config{Service: service, APIToken: cfg.APIToken, CodecToken: cfg.CodecToken, Backoff: backoff, PublicURL: cfg.PublicURL,
		TwilioAuthToken: cfg.TwilioAuthToken, Log: log, Build: p.Build, Metrics: tel.MetricsHandler(),
		PayloadCodec: payloadCodec(cfg), TemporalUIURL: cfg.TemporalUIURL, Namespace: p.Temporal.Namespace}))
	srv := httpwrap.NewServer(cfg.HTTPAddr,
		tel.Handler(telemetry.Routed(mux), telemetry.HTTPOptions{Server: "ccflow-starter", Path: api.LoggedPath}),
		httpwrap.Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 2 * time.Minute})
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	log.Info("starter listening", slog.String("addr", cfg.HTTPAddr), slog.String("public_url", cfg.PublicURL),
		slog.String("temporal", p.Temporal.HostPort), slog.String("task_queue", cfg.TaskQueue),
		slog.Bool("tracing", tel.Tracing), slog.Any("payload_keys", cfg.PayloadKeyIDs()))

	select {
	case err := <-served:
		return fmt.Errorf("serving HTTP on %s: %w", cfg.HTTPAddr, err)
	case <-ctx.Done():
	}
	log.Info("starter shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopBackground()
	<-background
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down HTTP: %w", err)
	}
	return nil
}

// newConsole is the administrator's console, its sessions sealed with a key
// the store keeps for every starter.
func newConsole(ctx context.Context, cfg config.Config, st *store.Store, service *usecase.Service, backoff *auth.Backoff,
	log *slog.Logger) (http.Handler, error) {
	key, err := st.Secret(ctx, console.SessionSecretName)
	if err != nil {
		return nil, fmt.Errorf("reading the console's session key %q from the database: %w", console.SessionSecretName, err)
	}
	return console.New(console.Config{Service: service, APIToken: cfg.APIToken, SessionKey: key, PublicURL: cfg.PublicURL, Backoff: backoff,
		TemporalUIURL: cfg.TemporalUIURL, Namespace: cfg.Temporal.Namespace, Log: log})
}

// payloadConverter seals the interactions kept for simulations as
// payloads are sealed: nil (JSON in clear) without payload keys.
func payloadConverter(cfg config.Config) converter.DataConverter {
	if cfg.PayloadKeys == nil {
		return nil
	}
	return cfg.PayloadKeys.DataConverter()
}

// payloadCodec is the codec /codec serves: none without payload keys.
func payloadCodec(cfg config.Config) converter.PayloadCodec {
	if cfg.PayloadKeys == nil {
		return nil
	}
	return cfg.PayloadKeys.Codec()
}
