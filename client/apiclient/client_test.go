package apiclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/etag"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
)

// request is what the fake server saw.
type request struct {
	method, uri, auth, contentType, body string
}

// serve starts a server that records each request and answers status and
// body; it returns a client of it and the recorded requests.
func serve(t *testing.T, status int, body string) (*apiclient.Client, *[]request) {
	t.Helper()
	var seen []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		seen = append(seen, request{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(data)})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return apiclient.New(srv.URL+"/", "secret", nil), &seen
}

func TestEntriesSendsTheTokenAndDecodesTheList(t *testing.T) {
	c, seen := serve(t, http.StatusOK, `{"entries": [{"id": "a", "name": "A", "enabled": true, "version": 3,
		"triggers": [{"type": "disposition", "disposition": "Spam"}], "steps": [{"type": "wait", "duration": "1d"}]}]}`)

	entries, err := c.Entries(context.Background())

	require.NoError(t, err)
	require.Equal(t, []request{{method: "GET", uri: "/v1/entries", auth: "Bearer secret"}}, *seen)
	require.Len(t, entries, 1)
	require.Equal(t, "a", entries[0].ID)
	require.Equal(t, 3, entries[0].Version)
}

func TestUpdateEntrySendsTheEntryWithoutItsVersion(t *testing.T) {
	c, seen := serve(t, http.StatusOK, `{"id": "a b", "name": "A", "version": 4}`)
	e := entry.Entry{ID: "a b", Name: "A", Enabled: true, Version: 3,
		Triggers: []entry.Trigger{{Type: "disposition", Disposition: "Spam"}}, Steps: []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}}

	updated, err := c.UpdateEntry(context.Background(), e)

	require.NoError(t, err)
	require.Equal(t, 4, updated.Version)
	require.Equal(t, "PUT", (*seen)[0].method)
	require.Equal(t, "/v1/entries/a%20b", (*seen)[0].uri)
	require.Equal(t, "application/json", (*seen)[0].contentType)
	require.JSONEq(t, `{"id": "a b", "name": "A", "enabled": true,
		"triggers": [{"type": "disposition", "disposition": "Spam"}], "steps": [{"type": "wait", "duration": "1d"}]}`, (*seen)[0].body)
}

func TestDryRunSendsTheEventAsIs(t *testing.T) {
	c, seen := serve(t, http.StatusOK, `{"interaction_id": "INT-1", "matches": [{"entry_id": "a", "entry_version": 2,
		"trigger": "disposition = \"Spam\"", "workflow_id": "a/INT-1", "status": "would_start"}]}`)
	event := `{"interaction_id": "INT-1", "service": "S", "disposition": "Spam"}`

	res, err := c.DryRun(context.Background(), []byte(event))

	require.NoError(t, err)
	require.Equal(t, request{method: "POST", uri: "/v1/interactions/ended?dry_run=true", auth: "Bearer secret",
		contentType: "application/json", body: event}, (*seen)[0])
	require.Equal(t, interaction.Result{InteractionID: "INT-1", Matches: []interaction.MatchResult{{EntryID: "a", EntryVersion: 2,
		Trigger: `disposition = "Spam"`, WorkflowID: "a/INT-1", Status: interaction.StatusWouldStart}}}, res)
}

func TestIngestPostsTheEventWithoutDryRun(t *testing.T) {
	c, seen := serve(t, http.StatusOK, `{"interaction_id": "INT-1", "matches": [{"entry_id": "a", "entry_version": 2,
		"trigger": "disposition = \"Spam\"", "workflow_id": "a/INT-1", "run_id": "r-1", "status": "started"}]}`)
	event := `{"interaction_id": "INT-1", "service": "S", "disposition": "Spam"}`

	res, err := c.Ingest(context.Background(), []byte(event))

	require.NoError(t, err)
	require.Equal(t, request{method: "POST", uri: "/v1/interactions/ended", auth: "Bearer secret",
		contentType: "application/json", body: event}, (*seen)[0])
	require.Equal(t, interaction.Result{InteractionID: "INT-1", Matches: []interaction.MatchResult{{EntryID: "a", EntryVersion: 2,
		Trigger: `disposition = "Spam"`, WorkflowID: "a/INT-1", RunID: "r-1", Status: interaction.StatusStarted}}}, res)
}

func TestErrorsKeepTheAPIsFieldAndMessage(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    *apiclient.Error
		wantMsg string
		fields  validation.Errors
	}{
		{
			name:   "one invalid field",
			status: http.StatusBadRequest,
			body:   `{"error": {"code": "invalid_field", "message": "steps[2].duration: \"3 dayz\" is not a duration", "field": "steps[2].duration"}}`,
			want: &apiclient.Error{Status: 400, Code: "invalid_field", Field: "steps[2].duration",
				Message: `steps[2].duration: "3 dayz" is not a duration`},
			wantMsg: `creating entry a: POST /v1/entries: steps[2].duration: "3 dayz" is not a duration (400 invalid_field)`,
			fields:  validation.Errors{validation.Errorf("steps[2].duration", `"3 dayz" is not a duration`)},
		},
		{
			name:   "several problems",
			status: http.StatusBadRequest,
			body: `{"error": {"code": "invalid_field", "message": "name: is required", "field": "name",
				"details": [{"field": "name", "message": "is required"}, {"field": "steps", "message": "at least one step is required"}]}}`,
			want: &apiclient.Error{Status: 400, Code: "invalid_field", Field: "name", Message: "name: is required",
				Details: []apiclient.FieldProblem{{Field: "name", Message: "is required"}, {Field: "steps", Message: "at least one step is required"}}},
			wantMsg: `creating entry a: POST /v1/entries: name: is required; steps: at least one step is required (400 invalid_field)`,
			fields:  validation.Errors{validation.Errorf("name", "is required"), validation.Errorf("steps", "at least one step is required")},
		},
		{
			name:    "a conflict",
			status:  http.StatusConflict,
			body:    `{"error": {"code": "conflict", "message": "name: an entry named \"A\" already exists", "field": "name"}}`,
			want:    &apiclient.Error{Status: 409, Code: "conflict", Field: "name", Message: `name: an entry named "A" already exists`},
			wantMsg: `creating entry a: POST /v1/entries: name: an entry named "A" already exists (409 conflict)`,
			fields:  validation.Errors{validation.Errorf("name", `an entry named "A" already exists`)},
		},
		{
			name:    "an answer that is not ccflow's",
			status:  http.StatusBadGateway,
			body:    `<html>bad gateway</html>`,
			want:    &apiclient.Error{Status: 502, Message: "unexpected answer: <html>bad gateway</html>"},
			wantMsg: `creating entry a: POST /v1/entries: unexpected answer: <html>bad gateway</html> (502 Bad Gateway)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := serve(t, tt.status, tt.body)

			_, err := c.CreateEntry(context.Background(), entry.Entry{ID: "a"})

			var apiErr *apiclient.Error
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.want, apiErr)
			require.EqualError(t, err, tt.wantMsg)
			require.Equal(t, tt.fields, apiErr.Fields())
		})
	}
}

func TestIsNotFound(t *testing.T) {
	c, _ := serve(t, http.StatusNotFound, `{"error": {"code": "not_found", "message": "entry \"a\" not found"}}`)

	_, err := c.Entry(context.Background(), "a")

	require.True(t, apiclient.IsNotFound(err))
	require.False(t, apiclient.IsNotFound(&apiclient.Error{Status: http.StatusConflict}))
}

func TestUnreachableServerNamesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := apiclient.New(srv.URL, "secret", nil)

	_, err := c.Catalog(context.Background())

	require.ErrorContains(t, err, "reading the disposition catalog: GET "+srv.URL+"/v1/dispositions: ")
}

func TestWritesOverAKnownVersionSendItsETag(t *testing.T) {
	var ifMatch []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ifMatch = append(ifMatch, r.Header.Get("If-Match"))
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = io.WriteString(w, `{"id": "a", "version": 4}`)
	}))
	t.Cleanup(srv.Close)
	c := apiclient.New(srv.URL, "secret", nil)
	e := entry.Entry{ID: "a", Name: "A"}

	_, err := c.UpdateEntry(context.Background(), e)
	require.NoError(t, err)
	e.Version = 3
	_, err = c.UpdateEntry(context.Background(), e)
	require.NoError(t, err)
	require.NoError(t, c.DeleteEntry(context.Background(), "a", 0))
	require.NoError(t, c.DeleteEntry(context.Background(), "a", 4))

	require.Equal(t, []string{"", etag.Entry("a", 3), "", etag.Entry("a", 4)}, ifMatch)
}

func TestResultsSendsTheQueryAndDecodesTheFigures(t *testing.T) {
	c, seen := serve(t, http.StatusOK, `{"from": "2025-03-01T00:00:00Z", "to": "2025-03-02T00:00:00Z", "tz": "UTC", "group_by": ["day"],
		"groups": [{"key": {"day": "2025-03-01"}, "runs": 3, "messages": {"sent": 2}, "surveys": {"sent": 2, "answered": 1}, "scores": {"4": 1}}],
		"totals": {"runs": 3, "messages": {"sent": 2, "skipped": {"quiet_hours": 1}}, "surveys": {"sent": 2, "answered": 1}, "scores": {"1": 0, "4": 1}}}`)

	r, err := c.Results(context.Background(), url.Values{"group_by": {"day"}, "tz": {"UTC"}})

	require.NoError(t, err)
	require.Equal(t, []request{{method: "GET", uri: "/v1/results?group_by=day&tz=UTC", auth: "Bearer secret"}}, *seen)
	require.Len(t, r.Groups, 1)
	require.Equal(t, "2025-03-01", r.Groups[0].Key["day"])
	require.Equal(t, int64(3), r.Totals.Runs)
	require.Equal(t, int64(1), r.Totals.Messages.Skipped["quiet_hours"])
	require.Equal(t, int64(1), r.Totals.Surveys.Answered)
	require.Equal(t, int64(1), r.Totals.Scores[4])
}
