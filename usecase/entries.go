package usecase

import (
	"context"
	"log/slog"

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
	created, err := s.Store.CreateEntry(ctx, e)
	if err == nil {
		s.entriesChanged(ctx)
	}
	return created, err
}

// UpdateEntry stores e as a new version of the live entry e.ID, checked as
// CreateEntry checks; ErrNotFound when there is none. Runs already started
// keep the version they started with.
func (s *Service) UpdateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	if err := s.checkEntry(ctx, &e); err != nil {
		return entry.Entry{}, err
	}
	updated, err := s.Store.UpdateEntry(ctx, e)
	if err == nil {
		s.entriesChanged(ctx)
	}
	return updated, err
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
	if err := s.Store.DeleteEntry(ctx, id); err != nil {
		return err
	}
	s.entriesChanged(ctx)
	return nil
}

// entriesChanged brings the entry index up to the write just made, so the
// next event this service takes matches with it (other starters hear of it
// from PostgreSQL). A failure is logged: the write stands, and the index
// catches up within a second.
func (s *Service) entriesChanged(ctx context.Context) {
	if err := s.entryIndex().Refresh(ctx); err != nil {
		s.logger().WarnContext(ctx, "the entry index will catch up with the change within a second", slog.Any("error", err))
	}
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
