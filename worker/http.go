package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/telemetry/httpwrap"
	"github.com/ccflow/ccflow/web/health"
	"github.com/ccflow/ccflow/web/requestid"
)

// errNotConnected is what /readyz reports while the worker still waits for
// Temporal to answer its first dial.
var errNotConnected = errors.New("not connected to Temporal yet")

// probeServer is the worker's small HTTP server: /livez, /readyz (and
// /healthz) and /metrics. It starts before the worker dials Temporal, so a
// worker waiting for Temporal is alive but not ready.
type probeServer struct {
	srv *http.Server
	// temporal is the client once the dial has succeeded.
	temporal atomic.Pointer[client.Client]
}

func newProbeServer(addr string, build buildinfo.Info, st *store.Store, tel *telemetry.Telemetry, log *slog.Logger) *probeServer {
	p := &probeServer{}
	mux := http.NewServeMux()
	mux.Handle("GET /livez", health.LiveHandler(build))
	ready := health.ReadyHandler(log,
		health.Check{Name: "postgresql", Probe: st.Ping},
		health.Check{Name: "temporal", Probe: p.checkTemporal})
	mux.Handle("GET /readyz", ready)
	mux.Handle("GET /healthz", ready)
	mux.Handle("GET /metrics", tel.MetricsHandler())
	p.srv = httpwrap.NewServer(addr,
		requestid.Middleware(tel.Handler(telemetry.Routed(mux), telemetry.HTTPOptions{Server: "ccflow-worker"})),
		httpwrap.Timeouts{ReadHeader: 10 * time.Second, Read: 10 * time.Second, Write: 30 * time.Second, Idle: 2 * time.Minute})
	return p
}

func (p *probeServer) checkTemporal(ctx context.Context) error {
	c := p.temporal.Load()
	if c == nil {
		return errNotConnected
	}
	_, err := (*c).CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// connected makes /readyz check c.
func (p *probeServer) connected(c client.Client) { p.temporal.Store(&c) }

// serve listens until shutdown; its error is ErrServerClosed after a
// shutdown, else why it could not listen.
func (p *probeServer) serve() error { return p.srv.ListenAndServe() }

func (p *probeServer) shutdown(ctx context.Context) error { return p.srv.Shutdown(ctx) }
