package store

import (
	"context"
	"fmt"
	"time"
)

// RunsOfEntry returns the latest runs recorded for entry id, newest first,
// at most limit of them; claims whose start is not confirmed yet are left out.
func (s *Store) RunsOfEntry(ctx context.Context, entryID string, limit int) ([]Run, error) {
	runs := []Run{}
	if err := s.db.SelectContext(ctx, &runs,
		`SELECT workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at
		 FROM runs WHERE entry_id = $1 AND run_id <> ''
		 ORDER BY started_at DESC, workflow_id LIMIT $2`, entryID, limit); err != nil {
		return nil, fmt.Errorf("listing runs of entry %q: %w", entryID, err)
	}
	return runs, nil
}

// RunCountsSince counts the runs started at or after since, by entry id;
// entries without any are left out.
func (s *Store) RunCountsSince(ctx context.Context, since time.Time) (map[string]int, error) {
	var rows []struct {
		EntryID string `db:"entry_id"`
		Count   int    `db:"count"`
	}
	if err := s.db.SelectContext(ctx, &rows,
		`SELECT entry_id, count(*) AS count FROM runs WHERE started_at >= $1 AND run_id <> '' GROUP BY entry_id`, since); err != nil {
		return nil, fmt.Errorf("counting runs since %s: %w", since.Format(time.RFC3339), err)
	}
	counts := make(map[string]int, len(rows))
	for _, r := range rows {
		counts[r.EntryID] = r.Count
	}
	return counts, nil
}
