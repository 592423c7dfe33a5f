//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/internal/testenv"
)

func TestCatalogIsSeededWithTheDefaults(t *testing.T) {
	s := testenv.Store(t)

	c, err := s.Catalog(context.Background())
	require.NoError(t, err)

	want := entry.DefaultCatalog()
	require.ElementsMatch(t, want.Interaction, c.Interaction)
	require.ElementsMatch(t, want.Case, c.Case)
}

func TestAddDispositionExtendsTheCatalogOnce(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()

	require.NoError(t, s.AddDisposition(ctx, entry.ScopeInteraction, "Callback requested"))
	require.NoError(t, s.AddDisposition(ctx, entry.ScopeInteraction, "Callback requested"))
	require.NoError(t, s.AddDisposition(ctx, entry.ScopeCase, "Escalated"))

	c, err := s.Catalog(ctx)
	require.NoError(t, err)
	want := entry.DefaultCatalog()
	require.ElementsMatch(t, append(want.Interaction, "Callback requested"), c.Interaction)
	require.ElementsMatch(t, append(want.Case, "Escalated"), c.Case)
}

func TestAddDispositionRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, scope, disposition, field string
	}{
		{"unknown scope", "agent", "Callback requested", "scope"},
		{"empty name", entry.ScopeInteraction, " ", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testenv.Store(t)
			err := s.AddDisposition(context.Background(), tt.scope, tt.disposition)
			fe := validation.First(err)
			require.NotNil(t, fe, "a field error: %v", err)
			require.Equal(t, tt.field, fe.Path)
		})
	}
}
