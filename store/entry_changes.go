package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/entry"
)

// entryChannel is the notification channel every committed entry change is
// announced on, with its generation (migration 00002).
const entryChannel = "ccflow_entries"

// EntriesGeneration is the generation of the entries: a counter that every
// committed change of an entry moves on. Two reads at the same generation
// saw the same entries.
func (s *Store) EntriesGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := s.db.GetContext(ctx, &g, `SELECT generation FROM entries_generation`); err != nil {
		return 0, fmt.Errorf("reading the entries' generation: %w", err)
	}
	return g, nil
}

// EntryChanges is what changed in the entries after one generation.
type EntryChanges struct {
	// Generation is the generation the changes bring the reader to.
	Generation int64
	// Live holds the entries changed since, at their current version, by
	// id; Deleted the ids of entries deleted since.
	Live    []entry.Entry
	Deleted []string
	// LiveCount is how many live entries there are in all, so a reader
	// can tell it missed a change (an entry deleted outright) and read
	// everything again.
	LiveCount int
}

// EntriesSince returns the entries changed after generation since (0:
// every entry), read in one snapshot, so applying them to what was read at
// since gives the live entries at Generation.
func (s *Store) EntriesSince(ctx context.Context, since int64) (EntryChanges, error) {
	var ch EntryChanges
	err := s.inReadOnlySnapshot(ctx, func(q queryer) error {
		if err := q.QueryRowContext(ctx, `SELECT generation, (SELECT count(*) FROM entries WHERE deleted_at IS NULL)
			FROM entries_generation`).Scan(&ch.Generation, &ch.LiveCount); err != nil {
			return fmt.Errorf("reading the entries' generation: %w", err)
		}
		rows, err := q.QueryContext(ctx,
			`SELECT e.id, e.deleted_at IS NOT NULL, v.body, v.version, v.created_at
			 FROM entries e JOIN entry_versions v ON v.entry_id = e.id AND v.version = e.current_version
			 WHERE e.generation > $1
			 ORDER BY e.id`, since)
		if err != nil {
			return fmt.Errorf("reading the entries changed after generation %d: %w", since, err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id      string
				deleted bool
				row     entryRow
			)
			if err := rows.Scan(&id, &deleted, &row.Body, &row.Version, &row.UpdatedAt); err != nil {
				return fmt.Errorf("reading the entries changed after generation %d: %w", since, err)
			}
			if deleted {
				ch.Deleted = append(ch.Deleted, id)
				continue
			}
			e, err := row.entry()
			if err != nil {
				return fmt.Errorf("entry %q: %w", id, err)
			}
			ch.Live = append(ch.Live, e)
		}
		return rows.Err()
	})
	return ch, err
}

// queryer is what a snapshot's reads need.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inReadOnlySnapshot runs fn's reads in one read-only, repeatable-read
// transaction: every statement sees the same snapshot.
func (s *Store) inReadOnlySnapshot(ctx context.Context, fn func(q queryer) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("beginning a read-only transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// WatchEntries calls changed with the generation of each committed entry
// change another process (or this one) makes, until ctx ends. It listens
// on a connection of its own, outside the pool, which lib/pq reconnects
// when it drops; changed(0) means changes may have been missed (the
// listener has just connected or reconnected), so the caller should check
// the generation. problem, when not nil, hears of each failed attempt to
// connect and of each lost connection. It returns nil when ctx ends.
func (s *Store) WatchEntries(ctx context.Context, changed func(generation int64), problem func(error)) error {
	l := pq.NewListener(s.url, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil && problem != nil {
			problem(fmt.Errorf("listening for entry changes: %w", err))
		}
	})
	defer l.Close()
	// Listen waits for a connection, however long that takes; closing the
	// listener ends the wait.
	listening := make(chan error, 1)
	go func() { listening <- l.Listen(entryChannel) }()
	select {
	case <-ctx.Done():
		l.Close()
		<-listening //nolint:errcheck // Listen ends with the close; its error says only that
		return nil
	case err := <-listening:
		if err != nil {
			return fmt.Errorf("listening for entry changes: %w", err)
		}
	}
	changed(0) // anything before the listen went unheard
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			if n == nil { // reconnected: notifications may have been lost
				changed(0)
				continue
			}
			g, err := strconv.ParseInt(n.Extra, 10, 64)
			if err != nil {
				g = 0
			}
			changed(g)
		case <-ping.C:
			// A connection that died without a word is noticed here, and
			// lib/pq reconnects it.
			go l.Ping() //nolint:errcheck // a failed ping makes the listener reconnect
		}
	}
}
