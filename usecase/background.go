package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/store"
)

// What a long-lived starter does beside serving requests: keeping the
// entry index current, writing the run IDs of started runs and the ended
// interactions kept for simulations in batches, and settling the claims
// nobody confirmed.
const (
	// confirmLinger is how long a confirmation waits for others to share
	// its statement; the claim already records the run meanwhile.
	confirmLinger = 20 * time.Millisecond
	// confirmBatch is the most confirmations one statement writes.
	confirmBatch = 500
	// claimPatience is how old an unconfirmed claim must be before the
	// reconciler asks Temporal about it: well past ingestTimeout, so no
	// start of it can still be on its way.
	claimPatience = time.Minute
	// reconcileEvery is how often the reconciler looks for such claims.
	reconcileEvery = 30 * time.Second
	// reconcileBatch is the most claims it settles in one round.
	reconcileBatch = 200
)

// background is the state of a Service's background work.
type background struct {
	once     sync.Once
	index    *EntryIndex
	confirms chan []store.Run // nil: confirm on the request's goroutine
	recorded chan keptEvent   // nil: keep each interaction on the request's goroutine

	finishOnce sync.Once
	finish     chan struct{} // the answers finishHandOver hands over

	cursors cursors
}

// entryIndex is the index Ingest matches with: the watched one of
// StartBackground, or else one of the service's own, checked against the
// store on every event.
func (s *Service) entryIndex() *EntryIndex {
	s.bg.once.Do(func() {
		if s.bg.index == nil {
			s.bg.index = NewEntryIndex(s.Store, s.logger())
		}
	})
	return s.bg.index
}

// StartBackground loads the entry index, then until ctx ends keeps it
// current, writes the run IDs of started runs and the interactions kept
// for simulations in batches, settles stale claims (Reconcile, every 30
// seconds) and folds result facts into the rollup (every second). A
// long-lived starter calls it once before serving; without it Ingest
// checks the entries' generation on every event and confirms each start
// and keeps each interaction on its own. done closes once the work has
// stopped, the last confirmations and interactions written.
func (s *Service) StartBackground(ctx context.Context) (done <-chan struct{}, err error) {
	index := NewEntryIndex(s.Store, s.logger())
	if err := index.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("loading the entries: %w", err)
	}
	s.bg.once.Do(func() {
		s.bg.index = index
		s.bg.confirms = make(chan []store.Run, 1024)
		s.bg.recorded = make(chan keptEvent, 4096)
	})
	if s.bg.index != index {
		return nil, errors.New("the service's background work has started already, or the service has served without it")
	}
	index.watched.Store(true) // from now on, not once Watch gets going
	var wg sync.WaitGroup
	wg.Go(func() { index.Watch(ctx) })
	wg.Go(func() { s.confirmInBatches(ctx) })
	wg.Go(func() { s.recordInBatches(ctx) })
	wg.Go(func() { s.reconcileEvery(ctx) })
	wg.Go(func() { s.foldResults(ctx) })
	stopped := make(chan struct{})
	go func() {
		wg.Wait()
		close(stopped)
	}()
	return stopped, nil
}

// confirm records the run IDs of started runs: handed to the batch writer
// when the background work runs, else written at once. A failure is only
// logged: the runs started and their claims record them, and a retry of
// the event or the reconciler fills the run IDs in.
func (s *Service) confirm(ctx context.Context, runs []store.Run) {
	if s.bg.confirms != nil {
		select {
		case s.bg.confirms <- runs:
			return
		default: // the writer is behind: write these here
		}
	}
	if err := s.Store.ConfirmRuns(context.WithoutCancel(ctx), runs); err != nil {
		s.logger().WarnContext(ctx, "started runs keep their claims until the reconciler confirms them",
			slog.Int("runs", len(runs)), slog.Any("error", err))
	}
}

// confirmInBatches writes the confirmations handed to confirm, gathering
// for up to confirmLinger those that arrive together, until ctx ends and
// what is left is written.
func (s *Service) confirmInBatches(ctx context.Context) {
	for {
		var batch []store.Run
		select {
		case runs := <-s.bg.confirms:
			batch = runs
		case <-ctx.Done():
			// Write what is queued; requests finishing now confirm their
			// own (the channel is still open) or leave it to the reconciler.
		drain:
			for {
				select {
				case runs := <-s.bg.confirms:
					batch = append(batch, runs...)
				default:
					break drain
				}
			}
			if len(batch) > 0 {
				s.writeConfirmations(context.WithoutCancel(ctx), batch)
			}
			return
		}
		linger := time.NewTimer(confirmLinger)
	gather:
		for len(batch) < confirmBatch {
			select {
			case runs := <-s.bg.confirms:
				batch = append(batch, runs...)
			case <-linger.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		linger.Stop()
		s.writeConfirmations(context.WithoutCancel(ctx), batch)
	}
}

func (s *Service) writeConfirmations(ctx context.Context, batch []store.Run) {
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	if err := s.Store.ConfirmRuns(ctx, batch); err != nil {
		s.logger().WarnContext(ctx, "started runs keep their claims until the reconciler confirms them",
			slog.Int("runs", len(batch)), slog.Any("error", err))
	}
}

func (s *Service) reconcileEvery(ctx context.Context) {
	t := time.NewTicker(reconcileEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Reconcile(ctx, time.Now().Add(-claimPatience)); err != nil && ctx.Err() == nil {
				s.logger().WarnContext(ctx, "reconciling run claims", slog.Any("error", err))
			}
		}
	}
}

// Reconciled counts what one round of Reconcile did.
type Reconciled struct {
	// Confirmed claims belonged to runs that started; Released to runs
	// Temporal does not know, which never started; Left were claimed
	// again meanwhile or could not be settled now.
	Confirmed, Released, Left int
}

// Reconcile settles the claims last taken before before, which no ingest
// confirmed (the starter stopped, or the caller gave up while Temporal was
// asked): it asks Temporal about each run, records the run ID and what the
// run was started with when it exists, and removes the claim when it does
// not and nobody has claimed it since. Several starters may reconcile at
// once; each claim is settled once.
func (s *Service) Reconcile(ctx context.Context, before time.Time) (Reconciled, error) {
	var r Reconciled
	claims, err := s.Store.StaleClaims(ctx, before, reconcileBatch)
	if err != nil {
		return r, err
	}
	var confirmed []store.Run
	var errs []error
	for _, c := range claims {
		started, err := describeStart(ctx, s.Temporal, c.WorkflowID, "")
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
			released, err := s.Store.ReleaseClaim(ctx, c)
			if err != nil {
				errs = append(errs, err)
			}
			if released {
				r.Released++
				s.logger().InfoContext(ctx, "released the claim of a run that never started",
					slog.String("workflow_id", c.WorkflowID), slog.Time("claimed_at", c.ClaimedAt))
			} else {
				r.Left++
			}
		case err != nil:
			r.Left++
			errs = append(errs, fmt.Errorf("settling the claim of run %s: %w", c.WorkflowID, err))
		default:
			run := c.Run
			run.RunID = started.RunID
			if started.Known {
				run.EntryVersion, run.Trigger = started.EntryVersion, started.Trigger
			}
			confirmed = append(confirmed, run)
		}
	}
	if len(confirmed) > 0 {
		if err := s.Store.ConfirmRuns(ctx, confirmed); err != nil {
			return r, errors.Join(append(errs, err)...)
		}
		r.Confirmed = len(confirmed)
	}
	return r, errors.Join(errs...)
}
