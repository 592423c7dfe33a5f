//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func newEntry(id, name string) entry.Entry {
	threshold := 0.51
	return entry.Entry{
		ID:      id,
		Name:    name,
		Service: "Billing Support",
		Enabled: true,
		Triggers: []entry.Trigger{
			{Type: entry.TriggerDisposition, Disposition: "Problem solved"},
			{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: &threshold},
		},
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do?"), Wait: "1d"}},
			{ID: "later", Spec: &entry.Wait{Duration: "1w"}},
		},
	}
}

// requireEntry checks got is want at version, stamped with an update time.
func requireEntry(t *testing.T, want entry.Entry, version int, got entry.Entry) {
	t.Helper()
	require.Equal(t, version, got.Version)
	require.False(t, got.UpdatedAt.IsZero(), "UpdatedAt is set")
	want.Version, want.UpdatedAt = version, got.UpdatedAt
	require.Equal(t, want, got)
}

// requireFieldConflict checks err is an ErrConflict naming field.
func requireFieldConflict(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, store.ErrConflict)
	fe := validation.First(err)
	require.NotNil(t, fe, "the conflict names a field: %v", err)
	require.Equal(t, field, fe.Path)
}

func TestCreateEntryStoresVersionOne(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	want := newEntry("post-call-survey", "Post-call survey")

	created, err := s.CreateEntry(ctx, want)
	require.NoError(t, err)
	requireEntry(t, want, 1, created)

	got, err := s.Entry(ctx, want.ID)
	require.NoError(t, err)
	requireEntry(t, want, 1, got)
	require.True(t, created.UpdatedAt.Equal(got.UpdatedAt))
}

func TestUpdateEntryMakesANewVersionAndKeepsTheOld(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	v1 := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, v1)
	require.NoError(t, err)

	v2 := v1
	v2.Name, v2.Enabled = "Post-call survey (paused)", false
	updated, err := s.UpdateEntry(ctx, v2, store.AnyVersion)
	require.NoError(t, err)
	requireEntry(t, v2, 2, updated)

	current, err := s.Entry(ctx, v1.ID)
	require.NoError(t, err)
	requireEntry(t, v2, 2, current)

	old, err := s.EntryVersion(ctx, v1.ID, 1)
	require.NoError(t, err)
	requireEntry(t, v1, 1, old)
}

func TestUpdateEntryMayChangeTheCaseOfItsOwnName(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)

	e.Name = "POST-CALL SURVEY"
	updated, err := s.UpdateEntry(ctx, e, store.AnyVersion)
	require.NoError(t, err)
	require.Equal(t, "POST-CALL SURVEY", updated.Name)
}

func TestCreateEntryConflictsNameTheTakenField(t *testing.T) {
	tests := []struct {
		name  string
		entry entry.Entry
		field string
	}{
		{"same id", newEntry("post-call-survey", "Another name"), "id"},
		{"same name", newEntry("another-id", "Post-call survey"), "name"},
		{"same name in other case", newEntry("another-id", "post-CALL survey"), "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ctx := testenv.Store(t), context.Background()
			_, err := s.CreateEntry(ctx, newEntry("post-call-survey", "Post-call survey"))
			require.NoError(t, err)

			_, err = s.CreateEntry(ctx, tt.entry)
			requireFieldConflict(t, err, tt.field)
		})
	}
}

func TestUpdateEntryToATakenNameConflictsOnName(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.CreateEntry(ctx, newEntry("survey", "Survey"))
	require.NoError(t, err)
	other, err := s.CreateEntry(ctx, newEntry("follow-up", "Follow-up"))
	require.NoError(t, err)

	other.Name = "SURVEY"
	_, err = s.UpdateEntry(ctx, other, store.AnyVersion)
	requireFieldConflict(t, err, "name")

	current, err := s.Entry(ctx, other.ID)
	require.NoError(t, err)
	require.Equal(t, 1, current.Version, "a refused update makes no version")
}

func TestConcurrentCreatesOfOneNameLetExactlyOneWin(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = s.CreateEntry(ctx, newEntry("entry-"+string(rune('a'+i)), "Same name"))
		})
	}
	wg.Wait()

	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		requireFieldConflict(t, err, "name")
	}
	require.Equal(t, 1, won)
}

func TestUpdateEntryOfAMissingEntryIsNotFound(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	deleted := newEntry("deleted", "Deleted")
	_, err := s.CreateEntry(ctx, deleted)
	require.NoError(t, err)
	require.NoError(t, s.DeleteEntry(ctx, deleted.ID, store.AnyVersion))

	for _, e := range []entry.Entry{newEntry("never-created", "Never created"), deleted} {
		_, err := s.UpdateEntry(ctx, e, store.AnyVersion)
		require.ErrorIs(t, err, store.ErrNotFound, e.ID)
	}
}

func TestDeleteEntryKeepsItsVersionsAndFreesItsName(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)

	require.NoError(t, s.DeleteEntry(ctx, e.ID, store.AnyVersion))

	_, err = s.Entry(ctx, e.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	old, err := s.EntryVersion(ctx, e.ID, 1)
	require.NoError(t, err)
	requireEntry(t, e, 1, old)

	_, err = s.CreateEntry(ctx, newEntry("new-survey", e.Name))
	require.NoError(t, err, "the name is free again")
}

func TestDeleteEntryOfAMissingEntryIsNotFound(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	e := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, e)
	require.NoError(t, err)
	require.NoError(t, s.DeleteEntry(ctx, e.ID, store.AnyVersion))

	require.ErrorIs(t, s.DeleteEntry(ctx, e.ID, store.AnyVersion), store.ErrNotFound, "already deleted")
	require.ErrorIs(t, s.DeleteEntry(ctx, "never-created", store.AnyVersion), store.ErrNotFound)
}

func TestCreateEntryRevivesADeletedIDWithTheNextVersion(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	v1 := newEntry("post-call-survey", "Post-call survey")
	_, err := s.CreateEntry(ctx, v1)
	require.NoError(t, err)
	v2 := v1
	v2.Service = "Sales"
	_, err = s.UpdateEntry(ctx, v2, store.AnyVersion)
	require.NoError(t, err)
	require.NoError(t, s.DeleteEntry(ctx, v1.ID, store.AnyVersion))

	v3 := v1
	v3.Name = "Revived survey"
	revived, err := s.CreateEntry(ctx, v3)
	require.NoError(t, err)
	requireEntry(t, v3, 3, revived)

	current, err := s.Entry(ctx, v1.ID)
	require.NoError(t, err)
	requireEntry(t, v3, 3, current)
	old, err := s.EntryVersion(ctx, v1.ID, 1)
	require.NoError(t, err)
	requireEntry(t, v1, 1, old)
}

func TestEntryVersionOfAMissingVersionIsNotFound(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.CreateEntry(ctx, newEntry("post-call-survey", "Post-call survey"))
	require.NoError(t, err)

	_, err = s.EntryVersion(ctx, "post-call-survey", 2)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.EntryVersion(ctx, "never-created", 1)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestEntriesListsLiveEntriesAtTheirCurrentVersionSortedByID(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	for _, e := range []entry.Entry{newEntry("c", "C"), newEntry("a", "A"), newEntry("b", "B")} {
		_, err := s.CreateEntry(ctx, e)
		require.NoError(t, err)
	}
	updated := newEntry("c", "C, updated")
	_, err := s.UpdateEntry(ctx, updated, store.AnyVersion)
	require.NoError(t, err)
	require.NoError(t, s.DeleteEntry(ctx, "b", store.AnyVersion))

	entries, err := s.Entries(ctx)
	require.NoError(t, err)

	require.Len(t, entries, 2)
	requireEntry(t, newEntry("a", "A"), 1, entries[0])
	requireEntry(t, updated, 2, entries[1])
}

func TestEntriesOfAnEmptyStoreIsEmpty(t *testing.T) {
	s := testenv.Store(t)
	entries, err := s.Entries(context.Background())
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestEntryUpdatedAtIsWhenItsVersionWasMade(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	before := time.Now().Add(-time.Minute) // the database clock may differ slightly
	created, err := s.CreateEntry(ctx, newEntry("post-call-survey", "Post-call survey"))
	require.NoError(t, err)
	updated, err := s.UpdateEntry(ctx, created, store.AnyVersion)
	require.NoError(t, err)

	require.True(t, created.UpdatedAt.After(before))
	require.False(t, updated.UpdatedAt.Before(created.UpdatedAt))
	first, err := s.EntryVersion(ctx, created.ID, 1)
	require.NoError(t, err)
	require.True(t, first.UpdatedAt.Equal(created.UpdatedAt), "an old version keeps its own time")
}
