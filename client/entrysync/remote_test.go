package entrysync_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/entry"
)

// fakeRemote is an in-memory ccflow: versioned entries and a catalog, and
// a log of the writes it took.
type fakeRemote struct {
	catalog entry.Catalog
	live    map[string]entry.Entry
	writes  []string
}

func newFakeRemote(live ...entry.Entry) *fakeRemote {
	r := &fakeRemote{catalog: entry.DefaultCatalog(), live: map[string]entry.Entry{}}
	for _, e := range live {
		if e.Version == 0 {
			e.Version = 1
		}
		r.live[e.ID] = e
	}
	return r
}

func (r *fakeRemote) Catalog(context.Context) (entry.Catalog, error) { return r.catalog, nil }

func (r *fakeRemote) Entries(context.Context) ([]entry.Entry, error) {
	var list []entry.Entry
	for _, e := range r.live {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b entry.Entry) int { return strings.Compare(a.ID, b.ID) })
	return list, nil
}

func (r *fakeRemote) CreateEntry(_ context.Context, e entry.Entry) (entry.Entry, error) {
	if _, ok := r.live[e.ID]; ok {
		return entry.Entry{}, fmt.Errorf("entry %s exists", e.ID)
	}
	return r.store("create", e, 1), nil
}

func (r *fakeRemote) UpdateEntry(_ context.Context, e entry.Entry) (entry.Entry, error) {
	current, ok := r.live[e.ID]
	if !ok {
		return entry.Entry{}, fmt.Errorf("entry %s not found", e.ID)
	}
	if e.Version != 0 && e.Version != current.Version {
		return entry.Entry{}, fmt.Errorf("entry %s is at v%d, not v%d (412)", e.ID, current.Version, e.Version)
	}
	return r.store("update", e, current.Version+1), nil
}

func (r *fakeRemote) DeleteEntry(_ context.Context, id string, version int) error {
	current, ok := r.live[id]
	if !ok {
		return fmt.Errorf("entry %s not found", id)
	}
	if version != 0 && version != current.Version {
		return fmt.Errorf("entry %s is at v%d, not v%d (412)", id, current.Version, version)
	}
	delete(r.live, id)
	r.writes = append(r.writes, "delete "+id)
	return nil
}

func (r *fakeRemote) store(verb string, e entry.Entry, version int) entry.Entry {
	e.Version, e.UpdatedAt = version, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r.live[e.ID] = e
	r.writes = append(r.writes, fmt.Sprintf("%s %s v%d", verb, e.ID, version))
	return e
}
