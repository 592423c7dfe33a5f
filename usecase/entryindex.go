package usecase

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/triggers"
)

// entryCheckEvery is how often a watched index compares its generation with
// the store's, the safety net under PostgreSQL's notifications: an entry
// saved through any starter is matched within this long even when a
// notification was lost.
const entryCheckEvery = time.Second

// EntryIndex holds the live entries in memory, filed for matching, so an
// event costs no query for them. It follows the store by generation: every
// committed entry change moves the store's counter on (a trigger in the
// database, whoever writes), and the index reads back only the entries
// changed since the generation it holds.
//
// Watched (Watch running), it learns of changes from PostgreSQL's
// LISTEN/NOTIFY within milliseconds, and checks the generation every
// second besides, so a lost notification delays a change by a second at
// most; on reconnecting it checks at once. Not watched, it checks the
// generation on every use: one cheap query, still no entry read while
// nothing changed. Safe for concurrent use.
type EntryIndex struct {
	store *store.Store
	log   *slog.Logger

	mu      sync.Mutex // one refresh at a time; guards entries
	entries map[string]entry.Entry
	current atomic.Pointer[indexAt]
	watched atomic.Bool
}

// indexAt is an index and the generation of the entries it was built from.
type indexAt struct {
	ix         *triggers.Index
	generation int64
}

// NewEntryIndex returns an index of st's live entries, empty until first
// refreshed.
func NewEntryIndex(st *store.Store, log *slog.Logger) *EntryIndex {
	if log == nil {
		log = slog.Default()
	}
	return &EntryIndex{store: st, log: log}
}

// Index returns the index to match with: as it is when watched, refreshed
// first when not.
func (x *EntryIndex) Index(ctx context.Context) (*triggers.Index, error) {
	if cur := x.current.Load(); cur != nil && x.watched.Load() {
		return cur.ix, nil
	}
	if err := x.Refresh(ctx); err != nil {
		return nil, err
	}
	return x.current.Load().ix, nil
}

// Refresh brings the index up to the store's generation, reading the
// entries changed since the one it holds.
func (x *EntryIndex) Refresh(ctx context.Context) error {
	g, err := x.store.EntriesGeneration(ctx)
	if err != nil {
		return err
	}
	return x.refreshTo(ctx, g)
}

// refreshTo brings the index to at least generation g.
func (x *EntryIndex) refreshTo(ctx context.Context, g int64) error {
	if cur := x.current.Load(); cur != nil && cur.generation >= g {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	cur := x.current.Load()
	if cur != nil && cur.generation >= g {
		return nil // a concurrent refresh got there
	}
	since := int64(0)
	if cur != nil {
		since = cur.generation
	}
	ch, err := x.store.EntriesSince(ctx, since)
	if err != nil {
		return err
	}
	entries := x.entries
	if since == 0 {
		entries = map[string]entry.Entry{}
	}
	for _, e := range ch.Live {
		entries[e.ID] = e
	}
	for _, id := range ch.Deleted {
		delete(entries, id)
	}
	if len(entries) != ch.LiveCount && since != 0 {
		// An entry went without a stamp (deleted outright): read all.
		x.log.WarnContext(ctx, "entry index out of step with the store; reading every entry again",
			slog.Int("held", len(entries)), slog.Int("live", ch.LiveCount))
		if ch, err = x.store.EntriesSince(ctx, 0); err != nil {
			return err
		}
		entries = make(map[string]entry.Entry, len(ch.Live))
		for _, e := range ch.Live {
			entries[e.ID] = e
		}
	}
	x.entries = entries
	x.current.Store(&indexAt{ix: triggers.NewIndex(slices.Collect(maps.Values(entries))), generation: ch.Generation})
	return nil
}

// Watch keeps the index current until ctx ends: it listens for entry
// changes and checks the generation every second. Failures are logged and
// retried; while the store cannot be read, events are matched against the
// entries last read.
func (x *EntryIndex) Watch(ctx context.Context) {
	kick := make(chan int64, 1)
	notify := func(g int64) {
		select {
		case kick <- g:
		default: // a refresh is due already; it reads to the latest
		}
	}
	x.watched.Store(true)
	defer x.watched.Store(false)

	// A listener that cannot connect is said once until it recovers; the
	// check every second goes on meanwhile.
	var said atomic.Bool
	problem := func(err error) {
		if !said.Swap(true) {
			x.log.WarnContext(ctx, "not hearing of entry changes from PostgreSQL; checking every second meanwhile", slog.Any("error", err))
		}
	}
	heard := func(g int64) {
		said.Store(false)
		notify(g)
	}
	var listening sync.WaitGroup
	listening.Go(func() {
		for ctx.Err() == nil {
			if err := x.store.WatchEntries(ctx, heard, problem); err != nil {
				problem(err)
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
		}
	})
	defer listening.Wait()

	tick := time.NewTicker(entryCheckEvery)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case g := <-kick:
			if g == 0 {
				err = x.Refresh(ctx)
			} else {
				err = x.refreshTo(ctx, g)
			}
		case <-tick.C:
			err = x.Refresh(ctx)
		}
		if err != nil && ctx.Err() == nil {
			x.log.WarnContext(ctx, "refreshing the entry index", slog.Any("error", err))
		}
	}
}
