package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

// Constraints whose violation means another entry holds the id or the name.
const (
	entriesIDKey   = "entries_pkey"
	entriesLiveKey = "entries_live_name"
)

// entryRow is one stored version of an entry.
type entryRow struct {
	Body      []byte    `db:"body"`
	Version   int       `db:"version"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (r entryRow) entry() (entry.Entry, error) {
	var e entry.Entry
	if err := json.Unmarshal(r.Body, &e); err != nil {
		return entry.Entry{}, fmt.Errorf("decoding stored entry version %d: %w", r.Version, err)
	}
	e.Version, e.UpdatedAt = r.Version, r.UpdatedAt
	return e, nil
}

// liveEntry is the row of a live entry locked for an update.
type liveEntry struct {
	CurrentVersion int          `db:"current_version"`
	DeletedAt      sql.NullTime `db:"deleted_at"`
}

// CreateEntry stores e as version 1 of a new entry. When an entry with e's
// id was deleted, it comes back to life with the next version, so versions
// a past run started from stay readable. A live entry with the same id or
// name (case-insensitive) is an error wrapping both ErrConflict and a
// *validation.FieldError on "id" or "name".
func (s *Store) CreateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var row liveEntry
		err := tx.GetContext(ctx, &row,
			`SELECT current_version, deleted_at FROM entries WHERE id = $1 FOR UPDATE`, e.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			e.Version = 1
			_, err = tx.ExecContext(ctx,
				`INSERT INTO entries (id, name, current_version) VALUES ($1, $2, $3)`, e.ID, e.Name, e.Version)
		case err != nil:
			return fmt.Errorf("reading entry %q: %w", e.ID, err)
		case !row.DeletedAt.Valid:
			return conflict(e, entriesIDKey)
		default:
			e.Version = row.CurrentVersion + 1
			_, err = tx.ExecContext(ctx,
				`UPDATE entries SET name = $2, current_version = $3, deleted_at = NULL, updated_at = now()
				 WHERE id = $1`, e.ID, e.Name, e.Version)
		}
		if err != nil {
			return entryWriteError(e, err)
		}
		return insertVersion(ctx, tx, &e)
	})
	if err != nil {
		return entry.Entry{}, err
	}
	return e, nil
}

// AnyVersion, as a write's ifVersion, makes the write whatever version the
// entry is at. Any other value is the version the caller read and changed:
// 0, which no entry has, never matches, so a caller that forgets to say
// stores nothing.
const AnyVersion = -1

// UpdateEntry stores e as the next version of the live entry with e's id,
// when its current version is still ifVersion, the version e was made from
// (or whatever it is, with AnyVersion): otherwise it changes nothing and
// returns a *StaleError. The check and the write are one transaction under
// the entry's row lock, so of two changes made from the same version
// exactly one is stored. It returns ErrNotFound when there is no such live
// entry, and an ErrConflict like CreateEntry's when another live entry has
// e's name.
func (s *Store) UpdateEntry(ctx context.Context, e entry.Entry, ifVersion int) (entry.Entry, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		current, err := lockLiveEntry(ctx, tx, e.ID, ifVersion)
		if err != nil {
			return err
		}
		e.Version = current + 1
		if _, err := tx.ExecContext(ctx,
			`UPDATE entries SET name = $2, current_version = $3, updated_at = now() WHERE id = $1`,
			e.ID, e.Name, e.Version); err != nil {
			return entryWriteError(e, err)
		}
		return insertVersion(ctx, tx, &e)
	})
	if err != nil {
		return entry.Entry{}, err
	}
	return e, nil
}

// lockLiveEntry locks the live entry id for a write made from ifVersion and
// returns its current version: ErrNotFound when there is none, a
// *StaleError when it is at another version than ifVersion (unless
// AnyVersion).
func lockLiveEntry(ctx context.Context, tx *sqlx.Tx, id string, ifVersion int) (int, error) {
	var current int
	err := tx.GetContext(ctx, &current,
		`SELECT current_version FROM entries WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("entry %q: %w", id, ErrNotFound)
	case err != nil:
		return 0, fmt.Errorf("reading entry %q: %w", id, err)
	case ifVersion != AnyVersion && current != ifVersion:
		return 0, &StaleError{ID: id, Read: ifVersion, Current: current}
	}
	return current, nil
}

// insertVersion stores e's body as version e.Version and sets e.UpdatedAt.
func insertVersion(ctx context.Context, tx *sqlx.Tx, e *entry.Entry) error {
	body, err := json.Marshal(e.Definition()) // version and time are kept in columns
	if err != nil {
		return fmt.Errorf("encoding entry %q: %w", e.ID, err)
	}
	if err := tx.GetContext(ctx, &e.UpdatedAt,
		`INSERT INTO entry_versions (entry_id, version, body) VALUES ($1, $2, $3) RETURNING created_at`,
		e.ID, e.Version, body); err != nil {
		return fmt.Errorf("storing entry %q version %d: %w", e.ID, e.Version, err)
	}
	return nil
}

// entryWriteError turns a unique violation on entries into the conflict it
// means: two writers can race past the checks, the indexes cannot.
func entryWriteError(e entry.Entry, err error) error {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok && pqErr.Code == "23505" {
		return conflict(e, pqErr.Constraint)
	}
	return fmt.Errorf("writing entry %q: %w", e.ID, err)
}

func conflict(e entry.Entry, constraint string) error {
	if constraint == entriesLiveKey {
		return fmt.Errorf("%w: %w", ErrConflict, validation.Errorf("name", "an entry named %q already exists", e.Name))
	}
	return fmt.Errorf("%w: %w", ErrConflict, validation.Errorf("id", "an entry with id %q already exists", e.ID))
}

// Entry returns the current version of the live entry id, or ErrNotFound.
func (s *Store) Entry(ctx context.Context, id string) (entry.Entry, error) {
	var row entryRow
	err := s.db.GetContext(ctx, &row,
		`SELECT v.body, v.version, v.created_at AS updated_at
		 FROM entries e JOIN entry_versions v ON v.entry_id = e.id AND v.version = e.current_version
		 WHERE e.id = $1 AND e.deleted_at IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return entry.Entry{}, fmt.Errorf("entry %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return entry.Entry{}, fmt.Errorf("reading entry %q: %w", id, err)
	}
	return row.entry()
}

// EntryVersion returns one version of entry id, deleted or not, or
// ErrNotFound: it is what a run started from.
func (s *Store) EntryVersion(ctx context.Context, id string, version int) (entry.Entry, error) {
	var row entryRow
	err := s.db.GetContext(ctx, &row,
		`SELECT body, version, created_at AS updated_at FROM entry_versions WHERE entry_id = $1 AND version = $2`,
		id, version)
	if errors.Is(err, sql.ErrNoRows) {
		return entry.Entry{}, fmt.Errorf("entry %q version %d: %w", id, version, ErrNotFound)
	}
	if err != nil {
		return entry.Entry{}, fmt.Errorf("reading entry %q version %d: %w", id, version, err)
	}
	return row.entry()
}

// Entries returns every live entry at its current version, sorted by id.
func (s *Store) Entries(ctx context.Context) ([]entry.Entry, error) {
	var rows []entryRow
	if err := s.db.SelectContext(ctx, &rows,
		`SELECT v.body, v.version, v.created_at AS updated_at
		 FROM entries e JOIN entry_versions v ON v.entry_id = e.id AND v.version = e.current_version
		 WHERE e.deleted_at IS NULL
		 ORDER BY e.id`); err != nil {
		return nil, fmt.Errorf("listing entries: %w", err)
	}
	entries := make([]entry.Entry, 0, len(rows))
	for _, row := range rows {
		e, err := row.entry()
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// DeleteEntry deletes the live entry id when its current version is still
// ifVersion, the version the caller last saw (or whatever it is, with
// AnyVersion): otherwise it deletes nothing and returns a *StaleError; and
// ErrNotFound when there is no such live entry. The check and the delete
// are one transaction under the entry's row lock. Its versions stay
// readable through EntryVersion and its name becomes free.
func (s *Store) DeleteEntry(ctx context.Context, id string, ifVersion int) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := lockLiveEntry(ctx, tx, id, ifVersion); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE entries SET deleted_at = now(), updated_at = now() WHERE id = $1`, id); err != nil {
			return fmt.Errorf("deleting entry %q: %w", id, err)
		}
		return nil
	})
}
