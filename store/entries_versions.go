package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/ccflow/ccflow/core/entry"
)

// ErrStale: a write names the version it was made from, and the entry has
// moved on since. StaleError says which versions.
var ErrStale = errors.New("stale version")

// StaleError is ErrStale for one entry: the change was made from version
// Read, and the entry is at Current now.
type StaleError struct {
	ID      string
	Read    int
	Current int
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("entry %q changed since version %d was read: it is at version %d now", e.ID, e.Read, e.Current)
}

// Is makes a StaleError ErrStale for errors.Is.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// EntryVersions returns up to limit versions of entry id (deleted or not)
// below version before, newest first; before 0 means from the newest. An
// entry without versions has none: the list is empty, not ErrNotFound.
func (s *Store) EntryVersions(ctx context.Context, id string, before, limit int) ([]entry.Entry, error) {
	var rows []entryRow
	if err := s.db.SelectContext(ctx, &rows,
		`SELECT body, version, created_at AS updated_at FROM entry_versions
		 WHERE entry_id = $1 AND ($2 = 0 OR version < $2)
		 ORDER BY version DESC LIMIT $3`, id, before, limit); err != nil {
		return nil, fmt.Errorf("listing versions of entry %q: %w", id, err)
	}
	versions := make([]entry.Entry, 0, len(rows))
	for _, row := range rows {
		e, err := row.entry()
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", id, err)
		}
		versions = append(versions, e)
	}
	return versions, nil
}
