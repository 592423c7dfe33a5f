package usecase

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/providers/webhooksend"
	"github.com/ccflow/ccflow/store"
)

// The webhook use cases: subscriptions (create, list, delete, rotate the
// secret) and their recent deliveries. Events are written by the store in
// the transaction of each fact; the dispatcher (webhook_dispatch.go) hands
// them to Temporal.

const (
	// maxWebhooks bounds the subscriptions: each event is written once
	// per subscription that wants it, in the transaction of its fact.
	maxWebhooks = 50
	// maxWebhookDescription bounds a subscription's description.
	maxWebhookDescription = 500
	// defaultWebhookDeliveries and maxWebhookDeliveries bound one listing of
	// a subscription's deliveries; webhookAttemptsShown is how many of each
	// delivery's latest attempts it shows.
	defaultWebhookDeliveries = 50
	maxWebhookDeliveries     = 200
	webhookAttemptsShown     = 5
)

// WebhookURLChecker checks a subscription URL: as written and where it
// leads (*webhooksend.Client, with CCFLOW_WEBHOOK_ALLOW).
type WebhookURLChecker interface {
	CheckURL(ctx context.Context, raw string) (*url.URL, error)
}

// WebhookRequest asks for a subscription.
type WebhookRequest struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// Webhook is a subscription as the API and the console show it: never its
// secret, which is shown once (WebhookWithSecret).
type Webhook struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	// Enabled is false once a receiver answered 410 Gone: nothing more is
	// sent to it (DisabledAt, DisabledReason say when and why).
	Enabled        bool       `json:"enabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
	CreatedAt      time.Time  `json:"created_at"`
	// SecretRotatedAt is when the secret was last rotated; until
	// PreviousSecretExpiresAt deliveries carry a signature with the
	// secret before it too.
	SecretRotatedAt         *time.Time `json:"secret_rotated_at"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
}

// WebhookWithSecret is a subscription as its creation or a rotation
// answers it: with its signing secret, shown this once.
type WebhookWithSecret struct {
	Webhook
	Secret string `json:"secret"`
}

// WebhookDelivery is one event's delivery to a subscription: its id is
// the webhook-id every attempt carries.
type WebhookDelivery struct {
	ID      string `json:"id"`
	EventID string `json:"event_id"`
	Type    string `json:"type"`
	// Status is pending (not tried yet), retrying, delivered, failed (no
	// attempt succeeded in 24 h) or stopped (410, or the subscription was
	// disabled).
	Status         string           `json:"status"`
	Attempts       int              `json:"attempts"`
	ResponseStatus *int             `json:"response_status"`
	Error          string           `json:"error"`
	NextAttemptAt  *time.Time       `json:"next_attempt_at"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	RecentAttempts []WebhookAttempt `json:"recent_attempts"`
}

// WebhookAttempt is one attempt of a delivery. Response is the start of
// the receiver's answer, cut and escaped (at most 300 characters, control
// characters and bytes that are not UTF-8 written as escapes).
type WebhookAttempt struct {
	Attempt        int        `json:"attempt"`
	At             time.Time  `json:"at"`
	DurationMS     int64      `json:"duration_ms"`
	Outcome        string     `json:"outcome"`
	ResponseStatus *int       `json:"response_status"`
	Response       string     `json:"response"`
	Error          string     `json:"error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
}

// webhooks is what the webhook use cases share, made on first use.
type webhooks struct {
	mu     sync.Mutex
	sealer *webhook.Sealer
}

// webhookSealer is the sealer of Service.WebhookSealer, else one with the
// key the store keeps.
func (s *Service) webhookSealer(ctx context.Context) (*webhook.Sealer, error) {
	if s.WebhookSealer != nil {
		return s.WebhookSealer, nil
	}
	s.wh.mu.Lock()
	defer s.wh.mu.Unlock()
	if s.wh.sealer == nil {
		sealer, err := StoreWebhookSealer(ctx, s.Store)
		if err != nil {
			return nil, err
		}
		s.wh.sealer = sealer
	}
	return s.wh.sealer, nil
}

// StoreWebhookSealer seals webhook secrets with the key the store keeps
// for them (made on first use), for a server without payload keys.
func StoreWebhookSealer(ctx context.Context, st *store.Store) (*webhook.Sealer, error) {
	secret, err := st.Secret(ctx, webhook.StoreKeyName)
	if err != nil {
		return nil, fmt.Errorf("reading the key of webhook secrets: %w", err)
	}
	key, err := webhook.DeriveSealKey(webhook.StoreKeyID, secret)
	if err != nil {
		return nil, err
	}
	return webhook.NewSealer(key)
}

func (s *Service) webhookURLs() WebhookURLChecker {
	if s.WebhookURLs != nil {
		return s.WebhookURLs
	}
	return webhooksend.New(webhook.Allow{})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// newWebhookID is a subscription's id: wh_ and 26 random characters.
func newWebhookID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "wh_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// CreateWebhook subscribes a URL to events and answers the subscription
// with its signing secret, which is shown this once and kept sealed. The
// URL must be https and reach no internal address (unless its host is in
// CCFLOW_WEBHOOK_ALLOW); the events must be known types. Problems are
// validation errors naming url, events or description.
func (s *Service) CreateWebhook(ctx context.Context, req WebhookRequest) (WebhookWithSecret, error) {
	if _, err := s.webhookURLs().CheckURL(ctx, req.URL); err != nil {
		return WebhookWithSecret{}, err
	}
	events, err := webhook.CheckTypes(req.Events)
	if err != nil {
		return WebhookWithSecret{}, err
	}
	description := strings.TrimSpace(req.Description)
	if fe := validation.Line(maxWebhookDescription).Check("description", description); fe != nil {
		return WebhookWithSecret{}, fe
	}
	sealer, err := s.webhookSealer(ctx)
	if err != nil {
		return WebhookWithSecret{}, classify(err)
	}
	secret, err := webhook.NewSecret(rand.Reader)
	if err != nil {
		return WebhookWithSecret{}, err
	}
	id := newWebhookID()
	sealed, err := sealer.Seal(id, secret)
	if err != nil {
		return WebhookWithSecret{}, err
	}
	sub, err := s.Store.CreateWebhookSubscription(ctx, store.WebhookSubscription{ID: id, URL: req.URL, Events: events,
		Description: description, Secret: sealed}, maxWebhooks)
	if err != nil {
		return WebhookWithSecret{}, classify(err)
	}
	s.logger().InfoContext(ctx, "webhook subscription created", slog.String("webhook_id", id), slog.Any("events", events))
	return WebhookWithSecret{Webhook: webhookOf(sub), Secret: secret.String()}, nil
}

// Webhooks lists the subscriptions, oldest first.
func (s *Service) Webhooks(ctx context.Context) ([]Webhook, error) {
	list, err := s.Store.WebhookSubscriptions(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]Webhook, len(list))
	for i, sub := range list {
		out[i] = webhookOf(sub)
	}
	return out, nil
}

// Webhook reads one subscription; ErrNotFound when there is none.
func (s *Service) Webhook(ctx context.Context, id string) (Webhook, error) {
	sub, err := s.Store.WebhookSubscription(ctx, id)
	if err != nil {
		return Webhook{}, classify(err)
	}
	return webhookOf(sub), nil
}

// DeleteWebhook deletes a subscription with its deliveries: nothing more
// is sent to it, attempts in flight included. ErrNotFound when there is
// none.
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	if err := s.Store.DeleteWebhookSubscription(ctx, id); err != nil {
		return classify(err)
	}
	s.logger().InfoContext(ctx, "webhook subscription deleted", slog.String("webhook_id", id))
	return nil
}

// RotateWebhookSecret gives a subscription a new secret, shown this once.
// For webhook.RotationWindow (24 h) deliveries carry two signatures, with
// the new secret and with the one it replaces, so the receiver can take
// the new one into use without missing a delivery; a second rotation in
// the window drops the oldest.
func (s *Service) RotateWebhookSecret(ctx context.Context, id string) (WebhookWithSecret, error) {
	sub, err := s.Store.WebhookSubscription(ctx, id)
	if err != nil {
		return WebhookWithSecret{}, classify(err)
	}
	sealer, err := s.webhookSealer(ctx)
	if err != nil {
		return WebhookWithSecret{}, classify(err)
	}
	secret, err := webhook.NewSecret(rand.Reader)
	if err != nil {
		return WebhookWithSecret{}, err
	}
	sealed, err := sealer.Seal(id, secret)
	if err != nil {
		return WebhookWithSecret{}, err
	}
	sub, err = s.Store.RotateWebhookSecret(ctx, id, sealed, sub.Secret, s.now().Add(webhook.RotationWindow))
	if err != nil {
		return WebhookWithSecret{}, classify(err)
	}
	s.logger().InfoContext(ctx, "webhook secret rotated", slog.String("webhook_id", id), slog.Time("previous_until", *sub.PreviousUntil))
	return WebhookWithSecret{Webhook: webhookOf(sub), Secret: secret.String()}, nil
}

// WebhookDeliveries lists a subscription's latest deliveries, newest
// first (limit 0: 50; at most 200), each with its latest attempts.
func (s *Service) WebhookDeliveries(ctx context.Context, id string, limit int) ([]WebhookDelivery, error) {
	switch {
	case limit == 0:
		limit = defaultWebhookDeliveries
	case limit < 0 || limit > maxWebhookDeliveries:
		return nil, validation.Errorf("limit", "%d is not between 1 and %d", limit, maxWebhookDeliveries)
	}
	list, err := s.Store.WebhookDeliveries(ctx, id, limit, webhookAttemptsShown)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]WebhookDelivery, len(list))
	for i, d := range list {
		out[i] = WebhookDelivery{ID: d.ID, EventID: d.EventID, Type: d.Type, Status: d.Status, Attempts: d.Attempts,
			ResponseStatus: d.LastStatusCode, Error: d.LastError, NextAttemptAt: d.NextAttemptAt, CreatedAt: d.CreatedAt,
			UpdatedAt: d.UpdatedAt, RecentAttempts: make([]WebhookAttempt, len(d.AttemptLog))}
		for j, a := range d.AttemptLog {
			out[i].RecentAttempts[j] = WebhookAttempt{Attempt: a.Attempt, At: a.AttemptedAt, DurationMS: a.DurationMS,
				Outcome: a.Outcome, ResponseStatus: a.StatusCode, Response: a.Response, Error: a.Error, NextAttemptAt: a.NextAttemptAt}
		}
	}
	return out, nil
}

// ResealWebhookSecrets seals again with sealer's first key every
// subscription secret an older key sealed, so that key can be dropped. A
// worker calls it at start; it is safe on several at once.
func ResealWebhookSecrets(ctx context.Context, st *store.Store, sealer *webhook.Sealer) (int, error) {
	return st.ResealWebhookSecrets(ctx, sealer.KeyID(), func(id, sealed string) (string, error) {
		secret, err := sealer.Open(id, sealed)
		if err != nil {
			return "", err
		}
		return sealer.Seal(id, secret)
	})
}

// webhookOf is a subscription as it is shown.
func webhookOf(sub store.WebhookSubscription) Webhook {
	w := Webhook{ID: sub.ID, URL: sub.URL, Events: []string(sub.Events), Description: sub.Description, Enabled: sub.DisabledAt == nil,
		DisabledAt: sub.DisabledAt, DisabledReason: sub.DisabledReason, CreatedAt: sub.CreatedAt, SecretRotatedAt: sub.SecretRotatedAt}
	if w.Events == nil {
		w.Events = []string{}
	}
	if sub.PreviousUntil != nil && time.Now().Before(*sub.PreviousUntil) {
		w.PreviousSecretExpiresAt = sub.PreviousUntil
	}
	return w
}
