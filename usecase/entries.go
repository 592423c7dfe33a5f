package usecase

import (
	"context"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/etag"
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

// CreateEntry normalizes e, validates it against the current catalog and
// stores it as version 1. Problems come back as validation errors naming
// the field; a name or id already taken is ErrConflict.
func (s *Service) CreateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	if err := s.checkEntry(ctx, &e); err != nil {
		return entry.Entry{}, err
	}
	return s.Store.CreateEntry(ctx, e)
}

// UpdateEntry stores e as a new version of the live entry e.ID, checked as
// CreateEntry checks; ErrNotFound when there is none. Runs already started
// keep the version they started with.
func (s *Service) UpdateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	if err := s.checkEntry(ctx, &e); err != nil {
		return entry.Entry{}, err
	}
	return s.Store.UpdateEntry(ctx, e)
}

// UpdateEntryIf is UpdateEntry made only over the version the ETag in
// cond names (If-Match), so two clients that read the same version cannot
// both write over it: the second gets a *StaleError (ErrStale). A nil cond,
// or If-Match: *, is UpdateEntry.
func (s *Service) UpdateEntryIf(ctx context.Context, e entry.Entry, cond *etag.Condition) (entry.Entry, error) {
	if cond == nil || cond.Any {
		return s.UpdateEntry(ctx, e)
	}
	return s.UpdateEntryFrom(ctx, e, cond.Version(e.ID))
}

// DeleteEntry deletes the live entry id; ErrNotFound when there is none.
// Its versions stay readable through EntryVersion.
func (s *Service) DeleteEntry(ctx context.Context, id string) error {
	return s.Store.DeleteEntry(ctx, id)
}

// DeleteEntryIf is DeleteEntry made only while the entry is at the version
// the ETag in cond names; else a *StaleError. A nil cond, or If-Match: *,
// is DeleteEntry.
func (s *Service) DeleteEntryIf(ctx context.Context, id string, cond *etag.Condition) error {
	if cond == nil || cond.Any {
		return s.DeleteEntry(ctx, id)
	}
	return s.Store.DeleteEntryFrom(ctx, id, cond.Version(id))
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
