package usecase

import (
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/store"
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
	// Observer, when set, is told of every ingest (metrics).
	Observer IngestObserver

	bg background
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
