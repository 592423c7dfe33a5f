package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ccflow/ccflow/core/webhook"
)

// WebhookCall is one request a WebhookReceiver took: a delivery attempt.
type WebhookCall struct {
	ID        string
	Timestamp string
	// Signatures is webhook-signature as sent; Verified says whether one
	// of them is valid for a secret the receiver holds.
	Signatures string
	Verified   bool
	Body       []byte
	// Type and Data are the body's.
	Type string
	Data json.RawMessage
	// Answer is the status the receiver answered (0: it dropped the
	// connection or let it time out).
	Answer int
	At     time.Time
}

// WebhookReceiver is a subscriber's endpoint on loopback for tests: it
// records every delivery attempt, verifies its Standard Webhooks signature
// with the secrets it is given, and answers as Behave says (200 when nil).
// ccflow reaches it only when CCFLOW_WEBHOOK_ALLOW lists 127.0.0.1.
type WebhookReceiver struct {
	URL string

	mu      sync.Mutex
	secrets []webhook.Secret
	calls   []WebhookCall
	// behave decides each answer: the status, or 0 to drop the connection;
	// wait delays the answer (longer than ccflow's timeout: a timeout).
	behave func(c WebhookCall, attempt int) (status int, wait time.Duration)
}

// WebhookReceiverServer starts a receiver, closed when the test ends.
func WebhookReceiverServer(t testing.TB) *WebhookReceiver {
	t.Helper()
	r := &WebhookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks/ccflow"
	return r
}

// Trust makes the receiver verify signatures with secrets (whsec_…).
func (r *WebhookReceiver) Trust(t testing.TB, secrets ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = nil
	for _, s := range secrets {
		secret, err := webhook.ParseSecret(s)
		if err != nil {
			t.Fatalf("the receiver's secret: %v", err)
		}
		r.secrets = append(r.secrets, secret)
	}
}

// Behave sets how the receiver answers each call; attempt counts the
// calls with the same webhook-id, from 1.
func (r *WebhookReceiver) Behave(f func(c WebhookCall, attempt int) (status int, wait time.Duration)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.behave = f
}

func (r *WebhookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	c := WebhookCall{ID: req.Header.Get(webhook.HeaderID), Timestamp: req.Header.Get(webhook.HeaderTimestamp),
		Signatures: req.Header.Get(webhook.HeaderSignature), Body: body, At: time.Now()}
	var parsed struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &parsed)
	c.Type, c.Data = parsed.Type, parsed.Data
	r.mu.Lock()
	for _, s := range r.secrets {
		if webhook.Verify(s, req.Header.Get, body, time.Now(), 5*time.Minute) == nil {
			c.Verified = true
		}
	}
	attempt := 1
	for _, prev := range r.calls {
		if prev.ID == c.ID {
			attempt++
		}
	}
	status, wait := http.StatusOK, time.Duration(0)
	if r.behave != nil {
		status, wait = r.behave(c, attempt)
	}
	i := len(r.calls)
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	answered := func(status int) {
		r.mu.Lock()
		r.calls[i].Answer = status
		r.mu.Unlock()
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-req.Context().Done():
			return // ccflow gave up waiting: no answer
		}
	}
	if status == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		status = http.StatusBadGateway
	}
	answered(status)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"received": true}`))
}

// Calls is every attempt so far, in order.
func (r *WebhookReceiver) Calls() []WebhookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// Accepted is the first attempt of each webhook-id the receiver answered
// with a 2xx, by id: each event once, as a receiver that dedupes keeps it.
func (r *WebhookReceiver) Accepted() map[string]WebhookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]WebhookCall{}
	for _, c := range r.calls {
		if _, seen := out[c.ID]; !seen && c.Answer >= 200 && c.Answer <= 299 {
			out[c.ID] = c
		}
	}
	return out
}

// WaitAccepted waits until n webhook-ids were accepted, failing t after
// timeout, and returns them.
func (r *WebhookReceiver) WaitAccepted(t testing.TB, n int, timeout time.Duration) map[string]WebhookCall {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := r.Accepted()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook receiver accepted %d deliveries in %s, not %d (%d attempts in all)", len(got), timeout, n, len(r.Calls()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
