package usecase

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
)

// healthTimeout bounds each dependency check so a hung dependency is
// reported rather than hanging the prober.
const healthTimeout = 3 * time.Second

// Health says whether each server ccflow needs answers: nil when it does,
// else why not.
type Health struct {
	PostgreSQL error
	Temporal   error
}

// OK reports whether every dependency answered.
func (h Health) OK() bool { return h.PostgreSQL == nil && h.Temporal == nil }

// Health checks PostgreSQL and Temporal, each on a deadline of its own, so
// a hung PostgreSQL is never reported as Temporal's fault or the other way
// round.
func (s *Service) Health(ctx context.Context) Health {
	return Health{
		PostgreSQL: check(ctx, s.Store.Ping),
		Temporal: check(ctx, func(ctx context.Context) error {
			_, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}),
	}
}

func check(ctx context.Context, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	return probe(ctx)
}
