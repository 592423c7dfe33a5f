package usecase

import (
	"context"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

// Text rules of a disposition.
var (
	scopeText = validation.Line(32)
	nameText  = validation.Line(200)
)

// Disposition is one disposition of the catalog.
type Disposition struct {
	// Scope is entry.ScopeInteraction or entry.ScopeCase (a non-final
	// case disposition).
	Scope string `json:"scope"`
	Name  string `json:"name"`
}

// Catalog returns the dispositions entries are validated against.
func (s *Service) Catalog(ctx context.Context) (entry.Catalog, error) {
	return s.Store.Catalog(ctx)
}

// AddDisposition extends the catalog and returns what it added, its name
// trimmed. Adding one already there is not an error, so a contact center
// can replay its setup; a wrong scope or an empty name is a validation
// error.
func (s *Service) AddDisposition(ctx context.Context, d Disposition) (Disposition, error) {
	d.Name = strings.TrimSpace(d.Name)
	if err := scopeText.Check("scope", d.Scope); err != nil {
		return Disposition{}, err
	}
	// A disposition is matched against events' and named by entries',
	// which take 200 characters on one line.
	if err := nameText.Check("name", d.Name); err != nil {
		return Disposition{}, err
	}
	if err := s.Store.AddDisposition(ctx, d.Scope, d.Name); err != nil {
		return Disposition{}, err
	}
	return d, nil
}
