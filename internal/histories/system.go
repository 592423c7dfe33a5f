package histories

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	outboxes "github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/webhooksend"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// crmToken is the loopback CRM's bearer token, known to its connection only.
const crmToken = "recorder-crm-token"

// system is ccflow minus its HTTP API: the ingest service that starts runs
// and a worker with the real activities on a task queue of its own.
type system struct {
	temporal client.Client
	store    *store.Store
	ingest   *usecase.Service
	worker   worker.Worker
	// taskQueue is the one the worker polls, of this recording alone.
	taskQueue string
	crm       *httptest.Server
	// receiver takes webhook deliveries on loopback: it answers 500 to
	// the first attempt of each, 410 when receiverGone, else 204.
	receiver     *httptest.Server
	receiverGone bool
	receiverMu   sync.Mutex
	receiverSeen map[string]int
	outbox       string
	// stamp makes this recording's interaction ids new to the server.
	stamp string
	// current is the id of the entry the last scenario put, the only live one.
	current string
	// clock is the activities' clock: each scenario sets when its sends
	// are decided, so the contact policy decides the same at any hour of
	// recording.
	clock *clock
}

// clock runs from a time a scenario sets, at the pace of the real one.
type clock struct {
	mu    sync.Mutex
	base  time.Time
	start time.Time
}

// daytime is when sends of scenarios that set no time are decided: noon
// in New York, the example customer's zone, inside every default window.
var daytime = time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)

func (c *clock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.start = at, time.Now()
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.start))
}

func startSystem(ctx context.Context, c client.Client, st *store.Store) (*system, error) {
	// Each scenario's event must match its own entry alone, and a recording
	// must never touch entries it did not make.
	live, err := st.Entries(ctx)
	if err != nil {
		return nil, err
	}
	if len(live) > 0 {
		return nil, fmt.Errorf("the database holds %d live entries: record histories into an empty one "+
			"(`make record-histories` starts private servers)", len(live))
	}
	outbox, err := os.MkdirTemp("", "ccflow-histories-outbox-")
	if err != nil {
		return nil, fmt.Errorf("making the outbox folder: %w", err)
	}
	s := &system{temporal: c, store: st, crm: startCRM(), outbox: outbox, stamp: randomHex(4), clock: &clock{}, receiverSeen: map[string]int{}}
	s.receiver = httptest.NewServer(http.HandlerFunc(s.receive))
	s.clock.set(daytime)
	conns, err := connections.New(connections.Connection{Name: "crm", BaseURL: s.crm.URL, BearerToken: crmToken})
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("the loopback CRM's connection: %w", err)
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	taskQueue := "ccflow-record-histories-" + s.stamp
	s.taskQueue = taskQueue
	loopback, err := webhook.ParseAllow("127.0.0.1")
	if err != nil {
		s.stop()
		return nil, err
	}
	sealer, err := usecase.StoreWebhookSealer(ctx, st)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.ingest = &usecase.Service{Store: st, Temporal: c, TaskQueue: taskQueue, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		WebhookSealer: sealer, WebhookURLs: webhooksend.New(loopback)}
	s.worker = worker.New(c, taskQueue, worker.Options{})
	workflows.Register(s.worker)
	activities.Register(s.worker, &activities.Activities{
		Store:     st,
		Mailer:    outboxes.NewMailer(outbox),
		SMS:       outboxes.NewSMSSender(outbox),
		Signer:    tokens.NewSigner([]byte(randomHex(32))),
		PublicURL: "http://localhost:8080",
		From:      "care@example.com",
		HTTP:      httpcall.New(netguard.New(), conns),
		Log:       quiet,
		Now:       s.clock.now,
		// Webhooks reach the loopback receiver only.
		Webhooks:      webhooksend.New(loopback),
		WebhookSealer: sealer,
	})
	if err := s.worker.Start(); err != nil {
		s.worker = nil
		s.stop()
		return nil, fmt.Errorf("starting the worker on task queue %s: %w", taskQueue, err)
	}
	return s, nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

func (s *system) stop() {
	if s.worker != nil {
		s.worker.Stop()
	}
	s.crm.Close()
	if s.receiver != nil {
		s.receiver.Close()
	}
	_ = os.RemoveAll(s.outbox)
}

// receive is the webhook receiver: a 500 to each delivery's first
// attempt, then 204, or 410 for every attempt when receiverGone.
func (s *system) receive(w http.ResponseWriter, r *http.Request) {
	s.receiverMu.Lock()
	defer s.receiverMu.Unlock()
	id := r.Header.Get("webhook-id")
	s.receiverSeen[id]++
	switch {
	case s.receiverGone:
		w.WriteHeader(http.StatusGone)
	case s.receiverSeen[id] == 1:
		http.Error(w, `{"error": "busy"}`, http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// startCRM serves a customer record at GET /customers/{id} to callers with
// the connection's token, and 404 for anything else.
func startCRM() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+crmToken {
			http.Error(w, `{"error": "unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %q, "tier": "gold", "agent": {"name": "Grace"}}`, r.PathValue("id"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		http.Error(w, `{"error": "no such resource"}`, http.StatusNotFound)
	})
	return httptest.NewServer(mux)
}

// record runs one scenario: its entry goes live, its event starts the
// run, drive acts on the run, and once the run closed as the scenario
// expects, its history is written to file. It returns the number of events.
func (s *system) record(ctx context.Context, sc scenario, file string) (int, error) {
	if sc.start != nil {
		return s.recordStarted(ctx, sc, file)
	}
	e, err := s.putEntry(ctx, sc.entry)
	if err != nil {
		return 0, err
	}
	defer func() { _ = s.store.DeleteEntry(context.WithoutCancel(ctx), e.ID, store.AnyVersion) }()

	s.clock.set(daytime)
	if !sc.at.IsZero() {
		s.clock.set(sc.at)
	}
	if sc.prepare != nil {
		if err := sc.prepare(ctx, s); err != nil {
			return 0, err
		}
	}
	ev := event("INT-" + s.stamp)
	if sc.customer != nil && ev.Customer != nil {
		sc.customer(ev.Customer)
	}
	r, err := s.start(ctx, ev)
	if err != nil {
		return 0, err
	}
	if sc.drive != nil {
		if err := sc.drive(ctx, r); err != nil {
			return 0, err
		}
	}
	if err := r.waitClosed(ctx, sc.want); err != nil {
		return 0, err
	}
	if sc.cleanup != nil {
		if err := sc.cleanup(ctx, s); err != nil {
			return 0, err
		}
	}
	return r.writeHistory(ctx, file)
}

// recordStarted runs a scenario that starts its own run (sc.start) and
// writes its history once it closed as the scenario expects.
func (s *system) recordStarted(ctx context.Context, sc scenario, file string) (int, error) {
	s.clock.set(daytime)
	if sc.prepare != nil {
		if err := sc.prepare(ctx, s); err != nil {
			return 0, err
		}
	}
	r, err := sc.start(ctx, s)
	if err != nil {
		return 0, err
	}
	if err := r.waitClosed(ctx, sc.want); err != nil {
		return 0, err
	}
	return r.writeHistory(ctx, file)
}

// putEntry validates e and makes it the only live entry in place of the
// previous scenario's, so the event matches it alone.
func (s *system) putEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	catalog, err := s.store.Catalog(ctx)
	if err != nil {
		return entry.Entry{}, err
	}
	entry.Normalize(&e)
	if err := entry.Validate(e, catalog); err != nil {
		return entry.Entry{}, fmt.Errorf("entry %s is not valid: %w", e.ID, err)
	}
	if s.current != "" {
		if err := s.store.DeleteEntry(ctx, s.current, store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
			return entry.Entry{}, err
		}
	}
	created, err := s.store.CreateEntry(ctx, e)
	if err != nil {
		return entry.Entry{}, err
	}
	s.current = created.ID
	return created, nil
}

// start posts ev as the starter does and returns the one run it started.
func (s *system) start(ctx context.Context, ev interaction.Event) (*run, error) {
	res, err := s.ingest.Ingest(ctx, ev, false)
	if err != nil {
		return nil, fmt.Errorf("ingesting interaction %s: %w", ev.InteractionID, err)
	}
	if len(res.Matches) != 1 || res.Matches[0].Status != interaction.StatusStarted {
		return nil, fmt.Errorf("interaction %s should start one new run, got %+v", ev.InteractionID, res.Matches)
	}
	m := res.Matches[0]
	return &run{temporal: s.temporal, workflowID: m.WorkflowID, runID: m.RunID, ingest: s.ingest, interactionID: ev.InteractionID}, nil
}
