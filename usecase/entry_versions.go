package usecase

import (
	"context"
	"errors"
	"fmt"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/store"
)

// ErrStale: a change made from a version of an entry that is no longer its
// current one; nothing was stored. A *StaleError says which versions.
var ErrStale = errors.New("stale version")

// StaleError is ErrStale for one entry: the change was made from version
// Read and the entry is at Current now.
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

// staleOf turns the store's stale write into the use cases' own; other
// errors pass as they are.
func staleOf(err error) error {
	if stale, ok := errors.AsType[*store.StaleError](err); ok {
		return &StaleError{ID: stale.ID, Read: stale.Read, Current: stale.Current}
	}
	return err
}

// EntryVersions returns up to limit versions of entry id, newest first,
// starting below version before (0: from the newest). The versions of a
// deleted entry stay readable; an id that never had any gives ErrNotFound.
func (s *Service) EntryVersions(ctx context.Context, id string, before, limit int) ([]entry.Entry, error) {
	versions, err := s.Store.EntryVersions(ctx, id, before, limit)
	if err != nil {
		return nil, classify(err)
	}
	if len(versions) == 0 && before == 0 {
		return nil, fmt.Errorf("entry %q: %w", id, ErrNotFound)
	}
	return versions, nil
}
