package usecase

import (
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/store"
)

// Service ingests ended interactions.
type Service struct {
	Store    *store.Store
	Temporal client.Client
	// TaskQueue is the queue follow-ups are started on.
	TaskQueue string
	Log       *slog.Logger
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
