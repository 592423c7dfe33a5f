package usecase

import (
	"context"
	"fmt"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/store"
)

// ErrStale: a change made from a version of an entry that is no longer its
// current one; nothing was stored. A *StaleError says which versions.
var ErrStale = store.ErrStale

// StaleError is ErrStale for one entry: the change was made from version
// Read and the entry is at Current now.
type StaleError = store.StaleError

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
