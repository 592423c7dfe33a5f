package usecase

import (
	"context"
	"log/slog"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/store"
)

// Entries lists the live entries at their current versions, by id.
func (s *Service) Entries(ctx context.Context) ([]entry.Entry, error) {
	return s.Store.Entries(ctx)
}

// Entry returns the current version of the live entry id; ErrNotFound when
// there is none.
func (s *Service) Entry(ctx context.Context, id string) (entry.Entry, error) {
	return s.Store.Entry(ctx, id)
}

// EntryVersion returns one version of entry id, even of a deleted entry:
// it is what a past run was started from. ErrNotFound when there is none.
func (s *Service) EntryVersion(ctx context.Context, id string, version int) (entry.Entry, error) {
	return s.Store.EntryVersion(ctx, id, version)
}

// AnyVersion, as ifVersion, lets an entry write go over whatever version
// the entry is at. Any other ifVersion is the version the caller read and
// changed; 0, which no entry has, never matches.
const AnyVersion = store.AnyVersion

// CreateEntry normalizes e, validates it against the current catalog and
// stores it as version 1. Problems come back as validation errors naming
// the field; a name or id already taken is ErrConflict.
func (s *Service) CreateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	if err := s.checkEntry(ctx, &e); err != nil {
		return entry.Entry{}, err
	}
	var created entry.Entry
	err := s.changeEntries(ctx, func() (err error) {
		created, err = s.Store.CreateEntry(ctx, e)
		return err
	})
	return created, err
}

// UpdateEntry stores e as a new version of the live entry e.ID, checked as
// CreateEntry checks, when the entry is still at ifVersion, the version
// the caller read and changed (If-Match, the console's form), or whatever
// version it is at with AnyVersion. A change made meanwhile by someone else
// is never overwritten: the caller gets a *StaleError (ErrStale) and
// nothing is stored. ErrNotFound when there is no such live entry. Runs
// already started keep the version they started with.
func (s *Service) UpdateEntry(ctx context.Context, e entry.Entry, ifVersion int) (entry.Entry, error) {
	if err := s.checkEntry(ctx, &e); err != nil {
		return entry.Entry{}, err
	}
	var updated entry.Entry
	err := s.changeEntries(ctx, func() (err error) {
		updated, err = s.Store.UpdateEntry(ctx, e, ifVersion)
		return err
	})
	return updated, err
}

// DeleteEntry deletes the live entry id when it is still at ifVersion (or
// at any version, with AnyVersion), else a *StaleError; ErrNotFound when
// there is none. Its versions stay readable through EntryVersion.
func (s *Service) DeleteEntry(ctx context.Context, id string, ifVersion int) error {
	return s.changeEntries(ctx, func() error { return s.Store.DeleteEntry(ctx, id, ifVersion) })
}

// changeEntries makes write, a change to the entries, and when it is
// stored brings the entry index up to it, so the next event this service
// takes matches with it (other starters hear of it from PostgreSQL). Every
// entry write goes through here: it is the one place that announces a
// change to the index. A failed refresh is logged: the write stands, and
// the index catches up within a second.
func (s *Service) changeEntries(ctx context.Context, write func() error) error {
	if err := write(); err != nil {
		return staleOf(err)
	}
	if err := s.entryIndex().Refresh(ctx); err != nil {
		s.logger().WarnContext(ctx, "the entry index will catch up with the change within a second", slog.Any("error", err))
	}
	return nil
}

// checkEntry normalizes e and validates it against the current catalog.
func (s *Service) checkEntry(ctx context.Context, e *entry.Entry) error {
	entry.Normalize(e)
	catalog, err := s.Store.Catalog(ctx)
	if err != nil {
		return err
	}
	return entry.Validate(*e, catalog)
}
