package usecase

import (
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
)

// Service runs ccflow's use cases; see the package comment.
type Service struct {
	Store    *store.Store
	Temporal client.Client
	// TaskQueue is the queue follow-ups are started on.
	TaskQueue string
	// Signer verifies the tokens in survey links; only the survey use
	// cases need it.
	Signer *tokens.Signer
	Log    *slog.Logger
	// Metrics counts events, matches and starts; nil counts nothing.
	Metrics *telemetry.Metrics
	// WebhookSealer seals the subscriptions' signing secrets (config's
	// keys); nil seals with a key the store keeps. WebhookURLs checks
	// subscription URLs (with CCFLOW_WEBHOOK_ALLOW); nil allows no
	// internal host.
	WebhookSealer *webhook.Sealer
	WebhookURLs   WebhookURLChecker
	// Now is the clock of secret rotations; nil is time.Now.
	Now func() time.Time

	bg background
	wh webhooks
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
