package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

// Catalog returns the dispositions entries may name: the defaults the
// schema seeds and whatever a contact center added.
func (s *Store) Catalog(ctx context.Context) (entry.Catalog, error) {
	var rows []struct {
		Scope string `db:"scope"`
		Name  string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows,
		`SELECT scope, name FROM dispositions ORDER BY created_at, name`); err != nil {
		return entry.Catalog{}, fmt.Errorf("reading the disposition catalog: %w", err)
	}
	c := entry.Catalog{Interaction: []string{}, Case: []string{}}
	for _, r := range rows {
		switch r.Scope {
		case entry.ScopeInteraction:
			c.Interaction = append(c.Interaction, r.Name)
		case entry.ScopeCase:
			c.Case = append(c.Case, r.Name)
		}
	}
	return c, nil
}

// AddDisposition adds name to the catalog's scope (entry.ScopeInteraction
// or entry.ScopeCase). Adding one that is already there does nothing.
func (s *Store) AddDisposition(ctx context.Context, scope, name string) error {
	if scope != entry.ScopeInteraction && scope != entry.ScopeCase {
		return validation.Errorf("scope", "must be %q or %q, not %q", entry.ScopeInteraction, entry.ScopeCase, scope)
	}
	if strings.TrimSpace(name) == "" {
		return validation.Errorf("name", "is required")
	}
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO dispositions (scope, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, scope, name); err != nil {
		return fmt.Errorf("adding %s disposition %q: %w", scope, name, err)
	}
	return nil
}
