package usecase

import (
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/ccflow/ccflow/core/linkkeys"
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
	// Signer verifies the tokens in survey links; nil means Keys.Survey.
	Signer *tokens.Signer
	// Keys are the keys derived from the link secret: unsubscribe links
	// and the keyed hashes opt-outs are kept under (and survey links,
	// unless Signer is set). Nil means linkkeys.ForProcess, keys of this
	// process alone, which only a test may use: the starter passes the
	// keys the worker has too.
	Keys *linkkeys.Keys
	Log  *slog.Logger
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
	// PayloadConverter encodes the ended interactions kept for
	// simulations: the payload keys' (CCFLOW_PAYLOAD_KEYS), which seal
	// them as histories are sealed; nil keeps them as JSON in clear.
	PayloadConverter converter.DataConverter
	// Simulation is how simulations run.
	Simulation SimulationSettings

	bg  background
	wh  webhooks
	sim simulations
}

func (s *Service) keys() *linkkeys.Keys {
	if s.Keys != nil {
		return s.Keys
	}
	return linkkeys.ForProcess()
}

// surveyLinks verifies the tokens of survey links.
func (s *Service) surveyLinks() *tokens.Signer {
	if s.Signer != nil {
		return s.Signer
	}
	return s.keys().Survey
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
