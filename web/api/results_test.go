//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/store"
)

// seeded is one run the tests write through the store's own writes.
type seeded struct {
	at                  time.Time
	entry, agent, scale string
	// score < 0: the survey is sent and not answered; answerAfter is how
	// long after its link was sent it is answered.
	score       int
	comment     string
	answerAfter time.Duration
	noSurvey    bool
}

// seed writes runs, each with a survey sent by SMS and maybe answered, at
// the times they say.
func (a *testAPI) seed(runs ...seeded) {
	a.t.Helper()
	ctx := context.Background()
	var now time.Time
	a.store.Clock = func() time.Time { return now }
	defer func() { a.store.Clock = nil }()
	for _, r := range runs {
		id := uniqueID("INT-")
		wf := r.entry + "/" + id
		now = r.at
		_, err := a.store.ClaimRuns(ctx, []store.Run{{WorkflowID: wf, EntryID: r.entry, EntryVersion: 1, InteractionID: id,
			Trigger: "t", AgentID: r.agent, Service: "Billing", CustomerID: "C-" + id}})
		require.NoError(a.t, err)
		require.NoError(a.t, a.store.ConfirmRuns(ctx, []store.Run{{WorkflowID: wf, RunID: "run-" + id, EntryVersion: 1, Trigger: "t"}}))
		if r.noSurvey {
			continue
		}
		_, err = a.store.CreateSurvey(ctx, store.Survey{ID: wf + "/survey", TokenID: id, WorkflowID: wf, RunID: "run-" + id,
			StepID: "survey", EntryID: r.entry, InteractionID: id, Channel: "sms", Question: "q",
			WaitUntil: r.at.Add(24 * time.Hour), ExpiresAt: r.at.Add(48 * time.Hour), EntryVersion: 1, Scale: r.scale})
		require.NoError(a.t, err)
		key := wf + "/survey"
		_, err = a.store.DecideSend(ctx, store.SendAttempt{Delivery: store.Delivery{Key: key, WorkflowID: wf, StepID: "survey",
			Channel: "sms", Recipient: "+1555", CustomerKey: "C-" + id, EntryID: r.entry, Survey: true, AddressHash: "h" + id},
			Owner: "test", LeaseFor: time.Minute, Now: r.at},
			func(policy.Policy, policy.Request) policy.Decision { return policy.Decision{Outcome: policy.Send} })
		require.NoError(a.t, err)
		_, err = a.store.MarkDelivered(ctx, key, "SM"+id)
		require.NoError(a.t, err)
		if r.score < 0 {
			continue
		}
		now = r.at.Add(r.answerAfter)
		_, _, err = a.store.RecordSurveyAnswer(ctx, key, store.SurveyAnswer{Score: r.score, Comment: r.comment, Delivered: true})
		require.NoError(a.t, err)
	}
}

type resultsBody struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	TZ      string    `json:"tz"`
	GroupBy []string  `json:"group_by"`
	Groups  []struct {
		Key map[string]string `json:"key"`
		figures
	} `json:"groups"`
	Totals figures `json:"totals"`
}

type figures struct {
	Runs     int64 `json:"runs"`
	Messages struct {
		Sent    int64            `json:"sent"`
		Skipped map[string]int64 `json:"skipped"`
	} `json:"messages"`
	Surveys struct {
		Sent         int64    `json:"sent"`
		Answered     int64    `json:"answered"`
		ResponseRate *float64 `json:"response_rate"`
	} `json:"surveys"`
	Scores                map[string]int64 `json:"scores"`
	CSAT                  *float64         `json:"csat"`
	NPS                   *float64         `json:"nps"`
	MeanScore             *float64         `json:"mean_score"`
	MedianMinutesToAnswer *float64         `json:"median_minutes_to_answer"`
}

func (a *testAPI) results(query string) resultsBody {
	a.t.Helper()
	return decode[resultsBody](a.t, a.call(http.MethodGet, "/v1/results?"+query, nil), http.StatusOK)
}

// TestResultsByDayAcrossTheChangeToWinterTime: New York's 1 November 2026
// is 25 hours long; runs at 00:30 and 23:30 of it count on it, one at
// 23:30 the day before does not, whatever the UTC date says.
func TestResultsByDayAcrossTheChangeToWinterTime(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.seed(
		seeded{at: time.Date(2026, 11, 1, 3, 30, 0, 0, time.UTC), entry: "csat", agent: "A-1", scale: "1-5", score: 5, answerAfter: 10 * time.Minute}, // 23:30 EDT, 31 Oct
		seeded{at: time.Date(2026, 11, 1, 4, 30, 0, 0, time.UTC), entry: "csat", agent: "A-1", scale: "1-5", score: 2, answerAfter: 20 * time.Minute}, // 00:30 EDT, 1 Nov
		seeded{at: time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC), entry: "csat", agent: "A-2", scale: "1-5", score: 4, answerAfter: 40 * time.Minute}, // 23:30 EST, 1 Nov
		seeded{at: time.Date(2026, 11, 2, 5, 30, 0, 0, time.UTC), entry: "csat", agent: "A-2", scale: "1-5", score: -1},                               // 00:30 EST, 2 Nov
		seeded{at: time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC), entry: "nps", agent: "A-2", scale: "0-10", score: 0, answerAfter: 3 * time.Hour},     // 01:00 EST, 2 Nov
		seeded{at: time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC), entry: "nps", agent: "A-1", scale: "0-10", score: 10, answerAfter: 5 * time.Minute},  // 02:00 EST, 2 Nov
	)
	got := a.results("group_by=day&tz=America/New_York&from=2026-10-31&to=2026-11-02")
	require.Equal(t, "America/New_York", got.TZ)
	require.Equal(t, []string{"day"}, got.GroupBy)
	require.Len(t, got.Groups, 3)
	days := map[string]figures{}
	for _, g := range got.Groups {
		days[g.Key["day"]] = g.figures
	}
	require.Equal(t, int64(1), days["2026-10-31"].Runs)
	oct31 := days["2026-10-31"]
	require.Equal(t, 100.0, *oct31.CSAT)
	nov1 := days["2026-11-01"]
	require.Equal(t, int64(2), nov1.Runs, "00:30 EDT and 23:30 EST of the 25-hour day")
	require.Equal(t, int64(2), nov1.Surveys.Answered)
	require.Equal(t, 50.0, *nov1.CSAT, "a 2 and a 4")
	require.Equal(t, 3.0, *nov1.MeanScore)
	require.Equal(t, 30.0, *nov1.MedianMinutesToAnswer, "20 and 40 minutes")
	require.Nil(t, nov1.NPS)
	nov2 := days["2026-11-02"]
	require.Equal(t, int64(3), nov2.Runs)
	require.Equal(t, int64(3), nov2.Surveys.Sent)
	require.Equal(t, int64(2), nov2.Surveys.Answered)
	require.InDelta(t, 2.0/3, *nov2.Surveys.ResponseRate, 1e-9)
	require.Equal(t, 0.0, *nov2.NPS, "a 0 and a 10: one detractor, one promoter")
	require.Nil(t, nov2.CSAT)
	require.Equal(t, int64(1), nov2.Scores["0"])
	require.Equal(t, int64(1), nov2.Scores["10"])
	require.Len(t, nov2.Scores, 11)
	require.Equal(t, 92.5, *nov2.MedianMinutesToAnswer, "5 and 180 minutes")
	require.Equal(t, int64(6), got.Totals.Runs)

	// The same runs by agent, over the same local days.
	byAgent := a.results("group_by=agent&tz=America/New_York&from=2026-11-01&to=2026-11-02")
	require.Len(t, byAgent.Groups, 2)
	require.Equal(t, "A-1", byAgent.Groups[0].Key["agent"])
	require.Equal(t, int64(2), byAgent.Groups[0].Runs)
	require.Equal(t, "A-2", byAgent.Groups[1].Key["agent"])
	require.Equal(t, int64(3), byAgent.Groups[1].Runs)

	// In UTC the days cut elsewhere.
	utc := a.results("group_by=day&tz=UTC&from=2026-11-01&to=2026-11-01")
	require.Len(t, utc.Groups, 1)
	require.Equal(t, int64(2), utc.Groups[0].Runs, "03:30 and 04:30 UTC on 1 November")
}

func TestResultsRefuseBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, tt := range []struct{ query, field string }{
		{"group_by=colour", "group_by"},
		{"", "group_by"},
		{"group_by=day,week", "group_by"},
		{"group_by=day&from=2026-12-01&to=2026-11-01", "from"},
		{"group_by=day&from=2025-01-01&to=2026-11-01", "from"},
		{"group_by=day&tz=Mars/Olympus", "tz"},
		{"group_by=day&tz=" + url.QueryEscape("UTC\x00"), "tz"},
		{"group_by=day&from=yesterday", "from"},
		{"group_by=day&entry=" + strings.Repeat("e", 300), "entry"},
		{"group_by=day&colour=red", "colour"},
		{"group_by=day&group_by=agent", "group_by"},
	} {
		e := requireError(t, a.call(http.MethodGet, "/v1/results?"+tt.query, nil), http.StatusBadRequest)
		require.Equal(t, tt.field, e.Field, tt.query)
	}
}

type answersBody struct {
	Answers []struct {
		WorkflowID string    `json:"workflow_id"`
		EntryID    string    `json:"entry_id"`
		AgentID    string    `json:"agent_id"`
		CustomerID string    `json:"customer_id"`
		Scale      string    `json:"scale"`
		Score      int       `json:"score"`
		Comment    string    `json:"comment"`
		AnsweredAt time.Time `json:"answered_at"`
	} `json:"answers"`
	NextCursor *string `json:"next_cursor"`
}

func TestAnswersArePagedByCursorNewestOrLowestFirst(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var runs []seeded
	for i := range 7 {
		runs = append(runs, seeded{at: base.Add(time.Duration(i) * time.Hour), entry: "csat", agent: fmt.Sprintf("A-%d", i%2),
			scale: "1-5", score: 1 + i%5, answerAfter: time.Minute, comment: fmt.Sprint("comment ", i)})
	}
	runs = append(runs, seeded{at: base.Add(10 * time.Hour), entry: "nps", agent: "A-9", scale: "0-10", score: 0, answerAfter: time.Minute})
	a.seed(runs...)

	var seen []time.Time
	query := "limit=3"
	for page := 0; ; page++ {
		body := decode[answersBody](t, a.call(http.MethodGet, "/v1/answers?"+query, nil), http.StatusOK)
		for _, ans := range body.Answers {
			seen = append(seen, ans.AnsweredAt)
		}
		if body.NextCursor == nil {
			break
		}
		query = "limit=3&cursor=" + url.QueryEscape(*body.NextCursor)
		require.Less(t, page, 5)
	}
	require.Len(t, seen, 8)
	for i := 1; i < len(seen); i++ {
		require.True(t, seen[i].Before(seen[i-1]), "newest first")
	}

	lowest := decode[answersBody](t, a.call(http.MethodGet, "/v1/answers?order=lowest&limit=3", nil), http.StatusOK)
	require.Equal(t, "0-10", lowest.Answers[0].Scale, "a 0 of 10 is the lowest")
	require.Equal(t, 0, lowest.Answers[0].Score)
	require.Equal(t, 1, lowest.Answers[1].Score)
	require.Equal(t, 1, lowest.Answers[2].Score)
	next := decode[answersBody](t, a.call(http.MethodGet, "/v1/answers?order=lowest&limit=3&cursor="+url.QueryEscape(*lowest.NextCursor), nil), http.StatusOK)
	require.Equal(t, 2, next.Answers[0].Score)

	filtered := decode[answersBody](t, a.call(http.MethodGet, "/v1/answers?agent=A-1&score_max=3", nil), http.StatusOK)
	for _, ans := range filtered.Answers {
		require.Equal(t, "A-1", ans.AgentID)
		require.LessOrEqual(t, ans.Score, 3)
		require.NotEmpty(t, ans.CustomerID)
	}
	require.NotEmpty(t, filtered.Answers)

	// A cursor works only with the query that gave it.
	e := requireError(t, a.call(http.MethodGet, "/v1/answers?order=newest&limit=3&agent=A-0&cursor="+url.QueryEscape(*lowest.NextCursor), nil), http.StatusBadRequest)
	require.Equal(t, "cursor", e.Field)
	require.Contains(t, e.Message, "another query")
	forged := strings.Replace(*lowest.NextCursor, "a", "b", 1)
	e = requireError(t, a.call(http.MethodGet, "/v1/answers?order=lowest&cursor="+url.QueryEscape(forged), nil), http.StatusBadRequest)
	require.Equal(t, "cursor", e.Field)
	for _, tt := range []struct{ query, field string }{
		{"score_min=11", "score_min"},
		{"score_min=4&score_max=2", "score_min"},
		{"order=highest", "order"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"from=2026-11-21&to=2026-11-20", "from"},
		{"cursor=%00", "cursor"},
		{"sort=score", "sort"},
	} {
		e := requireError(t, a.call(http.MethodGet, "/v1/answers?"+tt.query, nil), http.StatusBadRequest)
		require.Equal(t, tt.field, e.Field, tt.query)
	}
}

func TestAnswersExportAsCSVAndNDJSON(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.seed(
		seeded{at: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), entry: "csat", agent: "A-1", scale: "1-5", score: 1, answerAfter: time.Minute,
			comment: "=HYPERLINK(\"http://evil.example\",\"click\")"},
		seeded{at: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), entry: "csat", agent: "A-1", scale: "1-5", score: 5, answerAfter: time.Minute,
			comment: "Great, \"really\"\nthanks"},
		seeded{at: time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC), entry: "csat", agent: "A-2", scale: "1-5", score: 3, answerAfter: time.Minute},
	)
	rec := a.do(http.MethodGet, "/v1/answers?limit=1&order=lowest", "", "Authorization", "Bearer "+apiToken, "Accept", "text/csv")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "text/csv; charset=utf-8; header=present", rec.Header().Get("Content-Type"))
	require.Contains(t, rec.Header().Get("Content-Disposition"), `filename="answers.csv"`)
	require.Contains(t, rec.Body.String(), "\r\n", "RFC 4180 ends lines with CRLF")
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 4, "a header and every answer, whatever the limit")
	header := records[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, header)
		return -1
	}
	require.Equal(t, `'=HYPERLINK("http://evil.example","click")`, records[1][col("comment")], "a formula is written as text")
	require.Equal(t, "1", records[1][col("score")])
	require.Equal(t, "Great, \"really\"\nthanks", records[3][col("comment")], "quotes, commas and line breaks survive")

	rec = a.do(http.MethodGet, "/v1/answers?agent=A-1", "", "Authorization", "Bearer "+apiToken, "Accept", "application/x-ndjson")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "application/x-ndjson", rec.Header().Get("Content-Type"))
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	require.Len(t, lines, 2)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.Equal(t, "A-1", first["agent_id"])

	// Bad input is refused before anything is streamed.
	rec = a.do(http.MethodGet, "/v1/answers?order=best", "", "Authorization", "Bearer "+apiToken, "Accept", "text/csv")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), `"field":"order"`)
}

type runsBody struct {
	Runs []struct {
		WorkflowID string `json:"workflow_id"`
		Status     string `json:"status"`
		AgentID    string `json:"agent_id"`
		Service    string `json:"service"`
	} `json:"runs"`
	NextCursor *string `json:"next_cursor"`
}

func TestRunsAreListedNewestFirstFromTheRecords(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		a.seed(seeded{at: base.Add(time.Duration(i) * time.Minute), entry: "runs-" + fmt.Sprint(i%2), agent: "A-7", noSurvey: true})
	}
	ctx := context.Background()
	page := decode[runsBody](t, a.call(http.MethodGet, "/v1/runs?limit=2", nil), http.StatusOK)
	require.Len(t, page.Runs, 2)
	require.Equal(t, "running", page.Runs[0].Status)
	require.Equal(t, "A-7", page.Runs[0].AgentID)
	require.Equal(t, "Billing", page.Runs[0].Service)
	_, _, err := a.store.RecordRunEnd(ctx, store.RunEnd{WorkflowID: page.Runs[0].WorkflowID, RunID: "r", Status: store.RunCompleted, EndedAt: base})
	require.NoError(t, err)
	completed := decode[runsBody](t, a.call(http.MethodGet, "/v1/runs?status=completed", nil), http.StatusOK)
	require.Len(t, completed.Runs, 1)
	require.Equal(t, page.Runs[0].WorkflowID, completed.Runs[0].WorkflowID)
	require.Nil(t, completed.NextCursor)

	all := 0
	query := "limit=2"
	for {
		p := decode[runsBody](t, a.call(http.MethodGet, "/v1/runs?"+query, nil), http.StatusOK)
		all += len(p.Runs)
		if p.NextCursor == nil {
			break
		}
		query = "limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	require.Equal(t, 5, all)
	require.Len(t, decode[runsBody](t, a.call(http.MethodGet, "/v1/runs?entry=runs-1", nil), http.StatusOK).Runs, 2)
	e := requireError(t, a.call(http.MethodGet, "/v1/runs?entry=runs-1&cursor="+url.QueryEscape(*page.NextCursor), nil), http.StatusBadRequest)
	require.Equal(t, "cursor", e.Field)
	e = requireError(t, a.call(http.MethodGet, "/v1/runs?status=sleeping", nil), http.StatusBadRequest)
	require.Equal(t, "status", e.Field)

	rec := a.do(http.MethodGet, "/v1/runs", "", "Authorization", "Bearer "+apiToken, "Accept", "text/csv, application/json;q=0.5")
	require.Equal(t, http.StatusOK, rec.Code)
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 6)
}
