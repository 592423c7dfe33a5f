//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/console).

package console

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/store"
)

// seedAnswers writes runs with a survey each, sent and answered with the
// scores given, one an hour from start, through the store's own writes.
func seedAnswers(t *testing.T, s *store.Store, entryID, scaleName string, start time.Time, scores ...int) {
	t.Helper()
	ctx := context.Background()
	var now time.Time
	s.Clock = func() time.Time { return now }
	defer func() { s.Clock = nil }()
	for i, score := range scores {
		now = start.Add(time.Duration(i) * time.Hour)
		id := fmt.Sprintf("INT-%s-%d", entryID, i)
		wf := entryID + "/" + id
		_, err := s.ClaimRuns(ctx, []store.Run{{WorkflowID: wf, EntryID: entryID, EntryVersion: 1, InteractionID: id, Trigger: "t",
			AgentID: fmt.Sprintf("A-%d", i%2), Service: "Billing"}})
		require.NoError(t, err)
		require.NoError(t, s.ConfirmRuns(ctx, []store.Run{{WorkflowID: wf, RunID: "r-" + id, EntryVersion: 1, Trigger: "t"}}))
		_, err = s.CreateSurvey(ctx, store.Survey{ID: wf + "/survey", TokenID: id, WorkflowID: wf, RunID: "r-" + id, StepID: "survey",
			EntryID: entryID, InteractionID: id, Channel: "sms", Question: "q", WaitUntil: now.Add(time.Hour),
			ExpiresAt: now.Add(time.Hour), EntryVersion: 1, Scale: scaleName})
		require.NoError(t, err)
		_, err = s.DecideSend(ctx, store.SendAttempt{Delivery: store.Delivery{Key: wf + "/survey", WorkflowID: wf, StepID: "survey",
			Channel: "sms", Recipient: "+1", CustomerKey: id, EntryID: entryID, Survey: true, AddressHash: id},
			Owner: "t", LeaseFor: time.Minute, Now: now},
			func(policy.Policy, policy.Request) policy.Decision { return policy.Decision{Outcome: policy.Send} })
		require.NoError(t, err)
		_, err = s.MarkDelivered(ctx, wf+"/survey", "SM"+id)
		require.NoError(t, err)
		if score < 0 {
			continue
		}
		now = now.Add(time.Duration(5+i) * time.Minute)
		_, _, err = s.RecordSurveyAnswer(ctx, wf+"/survey", store.SurveyAnswer{Score: score, Comment: fmt.Sprint("comment ", i), Delivered: true})
		require.NoError(t, err)
	}
}

func TestResultsPageDrawsItsChartsWithTheirTables(t *testing.T) {
	c := newTestConsole(t)
	c.signIn(testToken)
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	seedAnswers(t, c.service.Store, "csat", "1-5", day, 5, 4, 1, -1)
	seedAnswers(t, c.service.Store, "nps", "0-10", day.Add(24*time.Hour), 10, 0, 7)

	resp, page := c.do(http.MethodGet, "/console/results?from=2026-11-19&to=2026-11-22&tz=UTC&group_by=entry", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(page))
	html := string(page)
	for _, want := range []string{`id="chart-surveys-title"`, `id="chart-scores-csat-title"`, `id="chart-scores-nps-title"`,
		`id="chart-csat-title"`, `id="chart-nps-title"`, `id="chart-nps-narrow-title"`,
		`id="table-surveys"`, `id="table-scores-CSAT"`, `id="table-scores-NPS"`, `id="table-CSAT"`, `id="table-NPS"`, `id="table-groups"`} {
		require.Contains(t, html, want)
	}
	require.Contains(t, html, `<th scope="row">2026-11-20</th><td class="num">4</td><td class="num">3</td><td class="num">75 %</td>`,
		"the day's table: 4 surveys sent, 3 answered")
	require.Contains(t, html, `<th scope="row">0</th><td class="num">1</td>`, "a 0 on 0-10 in the score table")
	require.Contains(t, html, `href="/console/results?entry=csat&amp;`, "each entry links to its own results")
	require.Equal(t, 10, strings.Count(html, "<svg"), "five charts, each for a desktop and a phone")

	resp, page = c.do(http.MethodGet, "/console/results?entry=nps&from=2026-11-19&to=2026-11-22&tz=UTC", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), `href="/console/entries/nps">Edit the entry</a>`)
	require.NotContains(t, string(page), `id="chart-csat-title"`, "an NPS entry's results show no CSAT trend")

	for _, tt := range []struct{ query, field string }{
		{"tz=Mars/Olympus", "tz"},
		{"from=2026-12-01&to=2026-11-01", "from"},
		{"group_by=colour", "group_by"},
		{"group_by=day&then_by=week", "then_by"},
	} {
		resp, page := c.do(http.MethodGet, "/console/results?"+tt.query, nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, tt.query)
		require.Contains(t, string(page), `id="f-`+tt.field+`-error"`, "%s: the problem beside %s", tt.query, tt.field)
	}
}

func TestAnswersPageListsLowestFirstAndDownloadsCSV(t *testing.T) {
	c := newTestConsole(t)
	c.signIn(testToken)
	seedAnswers(t, c.service.Store, "csat", "1-5", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), 5, 2, 4, 1, 3)

	resp, page := c.do(http.MethodGet, "/console/answers", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(page))
	html := string(page)
	first := strings.Index(html, `<span class="score low">1</span>`)
	second := strings.Index(html, `<span class="score low">2</span>`)
	require.True(t, first > 0 && second > first, "lowest first")
	require.Contains(t, html, `href="/console/runs/csat/INT-csat-3"`, "each answer links to its run")
	require.Contains(t, html, `href="/console/answers.csv?order=lowest"`)

	resp, page = c.do(http.MethodGet, "/console/answers.csv?order=lowest&score_max=3", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Disposition"), "answers.csv")
	rows, err := csv.NewReader(bytes.NewReader(page)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 4, "a header and the answers of 3 or less")

	resp, page = c.do(http.MethodGet, "/console/answers?score_max=12", nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(page), `id="f-score_max-error"`)
}
