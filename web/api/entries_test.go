//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

func TestCreateEntry(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rec := a.call(http.MethodPost, "/v1/entries", surveyEntry("Post-call survey"))

	created := decode[entry.Entry](t, rec, http.StatusCreated)
	require.Equal(t, "/v1/entries/post-call-survey", rec.Header().Get("Location"))
	require.Equal(t, "post-call-survey", created.ID, "the id defaults to a slug of the name")
	require.Equal(t, 1, created.Version)
	require.True(t, created.Enabled, "entries are enabled unless they say otherwise")
	got := decode[entry.Entry](t, a.call(http.MethodGet, "/v1/entries/post-call-survey", nil), http.StatusOK)
	require.Equal(t, created, got)
}

func TestUpdateEntryMakesANewVersion(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	changed := surveyEntry("Post-call survey")
	changed["service"] = "Sales"

	updated := decode[entry.Entry](t, a.call(http.MethodPut, "/v1/entries/post-call-survey", changed), http.StatusOK)

	require.Equal(t, 2, updated.Version)
	require.Equal(t, "Sales", updated.Service)
	old := decode[entry.Entry](t, a.call(http.MethodGet, "/v1/entries/post-call-survey?version=1", nil), http.StatusOK)
	require.Equal(t, 1, old.Version)
	require.Equal(t, "Billing Support", old.Service)
	current := decode[entry.Entry](t, a.call(http.MethodGet, "/v1/entries/post-call-survey", nil), http.StatusOK)
	require.Equal(t, 2, current.Version)
}

func TestUpdateEntryCannotChangeItsID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	body := surveyEntry("Post-call survey")
	body["id"] = "another-id"

	e := requireError(t, a.call(http.MethodPut, "/v1/entries/post-call-survey", body), http.StatusBadRequest)

	require.Equal(t, "id", e.Field)
}

func TestUpdateUnknownEntry(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	e := requireError(t, a.call(http.MethodPut, "/v1/entries/nobody", surveyEntry("Nobody")), http.StatusNotFound)

	require.Equal(t, "not_found", e.Code)
}

func TestListEntries(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	a.createEntry(surveyEntry("Callback"))

	list := decode[struct{ Entries []entry.Entry }](t, a.call(http.MethodGet, "/v1/entries", nil), http.StatusOK)

	require.Len(t, list.Entries, 2)
	require.Equal(t, "callback", list.Entries[0].ID)
	require.Equal(t, "post-call-survey", list.Entries[1].ID)
}

func TestListNoEntries(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rec := a.call(http.MethodGet, "/v1/entries", nil)

	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"entries": []}`, rec.Body.String())
}

func TestDeleteEntryKeepsItsVersionsReadable(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))

	rec := a.call(http.MethodDelete, "/v1/entries/post-call-survey", nil)

	require.Equal(t, http.StatusNoContent, rec.Code)
	requireError(t, a.call(http.MethodGet, "/v1/entries/post-call-survey", nil), http.StatusNotFound)
	requireError(t, a.call(http.MethodDelete, "/v1/entries/post-call-survey", nil), http.StatusNotFound)
	old := decode[entry.Entry](t, a.call(http.MethodGet, "/v1/entries/post-call-survey?version=1", nil), http.StatusOK)
	require.Equal(t, "Post-call survey", old.Name)
}

func TestGetEntryErrors(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	tests := []struct {
		target string
		status int
		field  string
	}{
		{"/v1/entries/nobody", http.StatusNotFound, ""},
		{"/v1/entries/post-call-survey?version=9", http.StatusNotFound, ""},
		{"/v1/entries/post-call-survey?version=latest", http.StatusBadRequest, "version"},
		{"/v1/entries/post-call-survey?version=0", http.StatusBadRequest, "version"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			e := requireError(t, a.call(http.MethodGet, tt.target, nil), tt.status)

			require.Equal(t, tt.field, e.Field)
		})
	}
}

func TestCreateEntryRejectsADuplicateName(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	again := surveyEntry("Post-call SURVEY")
	again["id"] = "second-survey"

	e := requireError(t, a.call(http.MethodPost, "/v1/entries", again), http.StatusConflict)

	require.Equal(t, "conflict", e.Code)
	require.Equal(t, "name", e.Field)
}

func TestCreateEntryRejectsADuplicateID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	again := surveyEntry("Another name")
	again["id"] = "post-call-survey"

	e := requireError(t, a.call(http.MethodPost, "/v1/entries", again), http.StatusConflict)

	require.Equal(t, "id", e.Field)
}

func TestCreateEntryNamesTheInvalidField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		name   string
		change func(e map[string]any)
		field  string
	}{
		{"bad duration", func(e map[string]any) {
			e["steps"] = []any{
				map[string]any{"type": "wait", "duration": "1d"},
				map[string]any{"type": "wait", "duration": "1h"},
				map[string]any{"type": "wait", "duration": "3 dayz"},
			}
		}, "steps[2].duration"},
		{"unknown disposition", func(e map[string]any) {
			e["triggers"] = []any{map[string]any{"type": "disposition", "disposition": "Callback requested"}}
		}, "triggers[0].disposition"},
		{"unknown field deep inside", func(e map[string]any) {
			e["steps"] = []any{map[string]any{"type": "wait", "durration": "1d"}}
		}, "steps[0].durration"},
		{"wrong type", func(e map[string]any) { e["enabled"] = "yes" }, "enabled"},
		{"no name", func(e map[string]any) { delete(e, "name") }, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := surveyEntry("Post-call survey")
			tt.change(body)

			e := requireError(t, a.call(http.MethodPost, "/v1/entries", body), http.StatusBadRequest)

			require.Equal(t, tt.field, e.Field)
			require.Contains(t, e.Message, tt.field+":")
		})
	}
}

func TestCreateEntryListsEveryProblem(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	body := surveyEntry("Post-call survey")
	body["triggers"] = []any{map[string]any{"type": "average_sentiment", "operator": "=", "threshold": 2}}
	body["steps"] = []any{map[string]any{"type": "wait", "duration": "soon"}}

	e := requireError(t, a.call(http.MethodPost, "/v1/entries", body), http.StatusBadRequest)

	fields := make([]string, len(e.Details))
	for i, d := range e.Details {
		fields[i] = d.Field
		require.NotEmpty(t, d.Message)
	}
	require.Equal(t, e.Field, fields[0], "field names the first problem")
	require.Contains(t, fields, "triggers[0].operator")
	require.Contains(t, fields, "triggers[0].threshold")
	require.Contains(t, fields, "steps[0].duration")
}

func TestCreateEntryRejectsMalformedJSON(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	e := requireError(t, a.call(http.MethodPost, "/v1/entries", `{"name": "x",`), http.StatusBadRequest)

	require.Equal(t, "invalid_json", e.Code)
}
