package activities_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

var anyArg = mock.Anything

func workflowRegisterOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: workflows.FollowUpWorkflow}
}

// memLedger decides sends as store.DecideSend does, in memory: the same
// states, leases and facts, under one lock where the store takes the
// customer's. The store's own tests prove the SQL against PostgreSQL.
type memLedger struct {
	mu           sync.Mutex
	policy       policy.Policy
	deliveries   map[string]*store.Delivery
	suppressed   map[string]bool
	interactions []memInteraction
	priors       []memPrior
	// decisions lists every decision made, in the order made.
	decisions []memDecision
	// dies, when set, is asked after each decision to send whether the
	// worker deciding dies right then: the decision and its lease are
	// recorded, and nothing else of the attempt happens (errWorkerDied).
	dies func(key string) bool
	// lead, when set, is how far ahead of the server's clock each attempt
	// to decide key reads its own: the decision is stamped, and judged, by
	// the attempt's clock, as the store judges it by SendAttempt.Now; the
	// opt-outs and interactions are those recorded when it decides.
	lead func(key string) time.Duration
}

// memDecision is one decision of the ledger: at is its stamp, the
// attempt's clock; seen is the server's clock when it was made; until
// ends a hold.
type memDecision struct {
	key, channel    string
	survey          bool
	at, seen, until time.Time
	outcome         policy.Outcome
	code            string
}

// errWorkerDied is what an attempt whose worker died returns to nobody: the
// attempt ends there. Temporal finds it lost when its StartToClose timeout
// (workflows.SendTimeout) runs out, and retries the activity then: the
// error asks the test environment's retry for that delay.
func errWorkerDied(key string) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("deciding delivery %q: the worker died (the test's crash)", key),
		"WorkerDied", temporal.ApplicationErrorOptions{NextRetryDelay: workflows.SendTimeout})
}

type memInteraction struct {
	customer, id string
	at           time.Time
}

type memPrior struct {
	channel string
	survey  bool
	at      time.Time
}

func newMemLedger(p policy.Policy) *memLedger {
	return &memLedger{policy: p, deliveries: map[string]*store.Delivery{}, suppressed: map[string]bool{}}
}

func (m *memLedger) setSuppressed(channel string, out bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	address := customerEmail
	if channel == "sms" {
		address = customerPhone
	}
	m.suppressed[channel+"/"+linkkeys.ForProcess().Addresses.Hash(address)] = out
}

func (m *memLedger) recordInteraction(customer, id string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.interactions = append(m.interactions, memInteraction{customer, id, at})
}

// addPrior records a message another run sent the customer.
func (m *memLedger) addPrior(key, channel string, survey bool, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.priors = append(m.priors, memPrior{channel, survey, at})
	m.deliveries[key] = &store.Delivery{Key: key, Channel: channel, Survey: survey, CustomerKey: customerID, EntryID: "other",
		Status: store.DeliverySent, Decision: "send", DecidedAt: &at}
}

func (m *memLedger) DecideSend(_ context.Context, a store.SendAttempt, decide store.Decide) (store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := a.Now
	if m.lead != nil {
		a.Now = a.Now.Add(m.lead(a.Delivery.Key))
	}
	d, ok := m.deliveries[a.Delivery.Key]
	if !ok {
		nd := a.Delivery
		nd.Status = store.DeliveryPending
		d = &nd
		m.deliveries[nd.Key] = d
	}
	switch {
	case d.Status == store.DeliverySent, d.Status == store.DeliverySkipped:
		return *d, nil
	case d.Status == store.DeliveryHeld && d.HoldUntil != nil && a.Now.Before(*d.HoldUntil):
		return *d, nil
	case d.LeaseOwner != "" && d.LeaseOwner != a.Owner && d.LeaseUntil != nil && a.Now.Before(*d.LeaseUntil):
		return store.Delivery{}, fmt.Errorf("delivery %q: %w", d.Key, store.ErrLeased)
	}
	req := a.Request
	req.Now, req.Channel, req.Survey = a.Now, d.Channel, d.Survey
	req.OptedOut = m.suppressed[d.Channel+"/"+d.AddressHash]
	if req.CancelOnNewInteraction && a.CustomerID != "" {
		own := a.RunStartedAt
		for _, i := range m.interactions {
			if i.customer == a.CustomerID && i.id == a.InteractionID {
				own = i.at
			}
		}
		for _, i := range m.interactions {
			if i.customer == a.CustomerID && i.id != a.InteractionID && i.at.After(own) {
				req.ContactedAgain = i.id
				break
			}
		}
	}
	for _, o := range m.deliveries {
		if o.Key == d.Key || o.CustomerKey != d.CustomerKey || o.Decision != "send" ||
			(o.Status != store.DeliveryPending && o.Status != store.DeliverySent) || o.DecidedAt == nil {
			continue
		}
		if o.Survey && (req.LastSurvey == nil || o.DecidedAt.After(req.LastSurvey.At)) {
			req.LastSurvey = &policy.Contact{At: *o.DecidedAt, EntryID: o.EntryID}
		}
		if o.Channel == d.Channel && o.DecidedAt.After(a.Now.Add(-26*time.Hour)) {
			req.RecentSends = append(req.RecentSends, *o.DecidedAt)
		}
		if w := m.policy.LongestCapWindow(); w > 0 && o.DecidedAt.After(a.Now.Add(-w)) {
			req.CapSends = append(req.CapSends, policy.Contact{At: *o.DecidedAt, Channel: o.Channel})
		}
	}
	dec := decide(m.policy, req)
	now := a.Now
	m.decisions = append(m.decisions, memDecision{key: d.Key, channel: d.Channel, survey: d.Survey, at: now, seen: seen, until: dec.Until,
		outcome: dec.Outcome, code: dec.Code})
	d.Decision, d.ReasonCode, d.Reason, d.DecidedAt = string(dec.Outcome), dec.Code, dec.Reason, &now
	d.HoldUntil, d.LeaseOwner, d.LeaseUntil = nil, "", nil
	switch dec.Outcome {
	case policy.Send:
		until := now.Add(a.LeaseFor)
		d.Status, d.LeaseOwner, d.LeaseUntil = store.DeliveryPending, a.Owner, &until
		d.Attempts++
	case policy.Hold:
		d.Status, d.HoldUntil = store.DeliveryHeld, &dec.Until
	case policy.Skip:
		d.Status = store.DeliverySkipped
	}
	if dec.Outcome == policy.Send && m.dies != nil && m.dies(d.Key) {
		return store.Delivery{}, errWorkerDied(d.Key)
	}
	return *d, nil
}

// Policy is the policy the ledger decides by, for wait_until's plans.
func (m *memLedger) Policy(context.Context) (policy.Policy, error) { return m.policy, nil }

func (m *memLedger) MarkDelivered(_ context.Context, key, providerID string) (store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deliveries[key]
	at := *d.DecidedAt
	d.Status, d.ProviderID, d.SentAt, d.LeaseOwner, d.LeaseUntil = store.DeliverySent, providerID, &at, "", nil
	return *d, nil
}

func (m *memLedger) MarkDeliveryFailed(_ context.Context, key, message string, permanent bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deliveries[key]
	d.LastError, d.LeaseOwner, d.LeaseUntil = message, "", nil
	if permanent {
		d.Status = store.DeliveryFailed
	}
	return nil
}

func (m *memLedger) MarkDeliverySkipped(_ context.Context, key, code, reason string) (store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deliveries[key]
	d.Status, d.Decision, d.ReasonCode, d.Reason, d.LeaseOwner, d.LeaseUntil = store.DeliverySkipped, "skipped", code, reason, "", nil
	return *d, nil
}

func (m *memLedger) AddSuppression(_ context.Context, s store.Suppression) (store.Suppression, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.suppressed[s.Channel+"/"+s.AddressHash] = true
	return s, true, nil
}
