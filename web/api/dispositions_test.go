//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

func TestListDispositionsStartsWithTheDefaultCatalog(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	catalog := decode[entry.Catalog](t, a.call(http.MethodGet, "/v1/dispositions", nil), http.StatusOK)

	require.ElementsMatch(t, entry.DefaultCatalog().Interaction, catalog.Interaction)
	require.ElementsMatch(t, entry.DefaultCatalog().Case, catalog.Case)
}

func TestAddedDispositionsCanBeUsedByEntries(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	body := surveyEntry("Callback")
	body["triggers"] = []any{map[string]any{"type": "disposition", "disposition": "Callback requested"}}
	requireError(t, a.call(http.MethodPost, "/v1/entries", body), http.StatusBadRequest)

	rec := a.call(http.MethodPost, "/v1/dispositions", map[string]any{"scope": "interaction", "name": "Callback requested"})

	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	catalog := decode[entry.Catalog](t, a.call(http.MethodGet, "/v1/dispositions", nil), http.StatusOK)
	require.Contains(t, catalog.Interaction, "Callback requested")
	require.Equal(t, http.StatusCreated, a.call(http.MethodPost, "/v1/entries", body).Code)
}

func TestAddDispositionTwiceIsHarmless(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	d := map[string]any{"scope": "case", "name": "Escalated"}
	require.Equal(t, http.StatusCreated, a.call(http.MethodPost, "/v1/dispositions", d).Code)

	rec := a.call(http.MethodPost, "/v1/dispositions", d)

	require.Equal(t, http.StatusCreated, rec.Code)
}

func TestAddDispositionNamesTheBadField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"scope": "agent", "name": "Tired"}, "scope"},
		{map[string]any{"scope": "interaction", "name": "  "}, "name"},
		{map[string]any{"scope": "interaction", "nam": "Typo"}, "nam"},
		{map[string]any{"scope": "interaction", "name": "Tired\x00"}, "name"},
		{map[string]any{"scope": "interaction", "name": strings.Repeat("n", 3000)}, "name"},
		{map[string]any{"scope": strings.Repeat("s", 3000), "name": "Tired"}, "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+validation.Shorten(fmt.Sprint(tt.body)), func(t *testing.T) {
			e := requireError(t, a.call(http.MethodPost, "/v1/dispositions", tt.body), http.StatusBadRequest)

			require.Equal(t, tt.field, e.Field)
		})
	}
}
