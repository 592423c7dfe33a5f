package usecase

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// runLookups bounds how many runs EntryRuns asks Temporal about at once.
const runLookups = 8

// EntryRuns tells where the latest runs of entry id are, newest first, at
// most limit of them: each as Run tells it, looked up side by side so a
// page of runs takes about as long as its slowest run. A run that Temporal
// or the store cannot tell about fails the whole list, as Run would.
func (s *Service) EntryRuns(ctx context.Context, entryID string, limit int) ([]RunView, error) {
	runs, err := s.Store.RunsOfEntry(ctx, entryID, limit)
	if err != nil {
		return nil, classify(err)
	}
	views := make([]RunView, len(runs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runLookups)
	for i, r := range runs {
		g.Go(func() error {
			v, err := s.Run(ctx, r.WorkflowID)
			views[i] = v
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return views, nil
}

// RunCountsSince counts the runs each entry started at or after since, by
// entry id; an entry without any is left out.
func (s *Service) RunCountsSince(ctx context.Context, since time.Time) (map[string]int, error) {
	counts, err := s.Store.RunCountsSince(ctx, since)
	return counts, classify(err)
}
