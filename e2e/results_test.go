//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/store"
)

// npsEntry asks the seed's customers how likely they are to recommend,
// on 0-10, by email.
func npsEntry() map[string]any {
	e := seedEntry()
	e["steps"] = []any{
		map[string]any{"id": "nps", "type": "send_survey", "channel": "email", "scale": "0-10",
			"subject":  "One question, $(customer.first_name)",
			"question": "How likely are you to recommend us to a friend?",
			"text":     "Tell us: $(survey.url)", "wait": "1h"},
		map[string]any{"id": "pause", "type": "wait", "duration": "1s"},
	}
	return e
}

// TestResultsCountARealRunEndToEnd: an event, a survey on 0-10 answered
// with a 0 through its page, and the run's end: the real worker and
// starter record what results, answers and runs then show.
func TestResultsCountARealRunEndToEnd(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", npsEntry(), nil))
	id := interactionID("INT-NPS")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), nil))
	email := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	link := surveyLink.FindString(email.Text)
	require.NotEmpty(t, link)
	answer, err := http.PostForm(link, url.Values{"score": {"0"}, "comment": {"Never again"}})
	require.NoError(t, err)
	answer.Body.Close()
	require.Equal(t, http.StatusOK, answer.StatusCode)
	workflowID := "post-call-survey/" + id
	s.waitForRun(workflowID, "completed", 30*time.Second)

	// The run's record says how it ended, as the run recorded it.
	var runs struct {
		Runs []map[string]any `json:"runs"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/runs?status=completed&interaction="+id, nil, &runs))
		if len(runs.Runs) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	require.Len(t, runs.Runs, 1, "the run recorded its end")
	run := runs.Runs[0]
	require.Equal(t, workflowID, run["workflow_id"])
	require.Equal(t, "A-7", run["agent_id"])
	require.Equal(t, "Billing Support", run["service"])
	require.Equal(t, "Problem solved", run["disposition"])
	require.Equal(t, "voice", run["channel"])
	require.Equal(t, "C-77", run["customer_id"])
	require.Equal(t, "2026-11-23T10:15:00Z", run["interaction_ended_at"])
	require.NotNil(t, run["ended_at"])

	var answers struct {
		Answers []map[string]any `json:"answers"`
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/answers?entry=post-call-survey", nil, &answers))
	require.Len(t, answers.Answers, 1)
	require.EqualValues(t, 0, answers.Answers[0]["score"])
	require.Equal(t, "0-10", answers.Answers[0]["scale"])
	require.Equal(t, "Never again", answers.Answers[0]["comment"])
	require.Equal(t, "email", answers.Answers[0]["survey_channel"])

	var results struct {
		Groups []struct {
			Key      map[string]string  `json:"key"`
			Runs     int                `json:"runs"`
			Messages struct{ Sent int } `json:"messages"`
			Surveys  struct {
				Sent, Answered int
			} `json:"surveys"`
			Scores map[string]int `json:"scores"`
			NPS    *float64       `json:"nps"`
		} `json:"groups"`
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/results?group_by=agent&tz=UTC", nil, &results))
	require.Len(t, results.Groups, 1)
	g := results.Groups[0]
	require.Equal(t, "A-7", g.Key["agent"])
	require.Equal(t, 1, g.Runs)
	require.Equal(t, 1, g.Messages.Sent)
	require.Equal(t, 1, g.Surveys.Sent)
	require.Equal(t, 1, g.Surveys.Answered)
	require.Equal(t, 1, g.Scores["0"])
	require.Equal(t, -100.0, *g.NPS)

	// The starter folds the facts into the rollup as they come.
	deadline = time.Now().Add(30 * time.Second)
	for {
		var left int
		require.NoError(t, s.store.DB().GetContext(context.Background(), &left, `SELECT count(*) FROM result_facts WHERE xid >= (SELECT watermark FROM result_fold)`))
		if left == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d facts still not folded", left)
		time.Sleep(250 * time.Millisecond)
	}
}

// seedResults writes two weeks of runs of two entries, a survey each,
// through the store's own writes at the times they happened.
func seedResults(t *testing.T, s *store.Store, days int, until time.Time) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(16, 2026))
	var now time.Time
	s.Clock = func() time.Time { return now }
	defer func() { s.Clock = nil }()
	n := 0
	for d := days; d >= 1; d-- {
		for range 6 + rng.IntN(10) {
			n++
			entryID, scale := "post-call-survey", "1-5"
			if n%3 == 0 {
				entryID, scale = "likely-to-recommend", "0-10"
			}
			now = until.AddDate(0, 0, -d).Add(time.Duration(8*60+rng.IntN(600)) * time.Minute)
			id := fmt.Sprintf("INT-S%d", n)
			wf := entryID + "/" + id
			_, err := s.ClaimRuns(ctx, []store.Run{{WorkflowID: wf, EntryID: entryID, EntryVersion: 1, InteractionID: id, Trigger: "t",
				Service: "Billing Support", AgentID: fmt.Sprintf("A-%d", 1+rng.IntN(5)), Disposition: "Problem solved",
				Channel: "voice", CustomerID: fmt.Sprintf("C-%d", n)}})
			require.NoError(t, err)
			require.NoError(t, s.ConfirmRuns(ctx, []store.Run{{WorkflowID: wf, RunID: "r-" + id, EntryVersion: 1, Trigger: "t"}}))
			_, err = s.CreateSurvey(ctx, store.Survey{ID: wf + "/survey", TokenID: "seed-" + id, WorkflowID: wf, RunID: "r-" + id,
				StepID: "survey", EntryID: entryID, InteractionID: id, Channel: "sms", Question: "q", WaitUntil: now.Add(24 * time.Hour),
				ExpiresAt: now.Add(24 * time.Hour), EntryVersion: 1, Scale: scale})
			require.NoError(t, err)
			_, err = s.DecideSend(ctx, store.SendAttempt{Delivery: store.Delivery{Key: wf + "/survey", WorkflowID: wf, StepID: "survey",
				Channel: "sms", Recipient: "+15550000000", CustomerKey: id, EntryID: entryID, Survey: true, AddressHash: id},
				Owner: "seed", LeaseFor: time.Minute, Now: now},
				func(policy.Policy, policy.Request) policy.Decision { return policy.Decision{Outcome: policy.Send} })
			require.NoError(t, err)
			_, err = s.MarkDelivered(ctx, wf+"/survey", "SMseed"+id)
			require.NoError(t, err)
			if rng.IntN(10) < 4 {
				continue // not answered
			}
			score := 1 + rng.IntN(5)
			if scale == "0-10" {
				score = rng.IntN(11)
			}
			now = now.Add(time.Duration(1+rng.IntN(240)) * time.Minute)
			comment := []string{"", "Quick and kind", "Took a while to get through", "=SUM(A1:A9) is what I think of you", "Sam was great"}[rng.IntN(5)]
			_, _, err = s.RecordSurveyAnswer(ctx, wf+"/survey", store.SurveyAnswer{Score: score, Comment: comment, Delivered: true})
			require.NoError(t, err)
		}
	}
}

// TestResultsAndAnswersInTheConsole: two weeks of results read in the
// console at phone and desktop widths, the charts beside their tables,
// an entry's own results, and the answers lowest first, each linking to
// its run, with Download CSV. The browser asks nothing of any other host.
func TestResultsAndAnswersInTheConsole(t *testing.T) {
	s := startSystem(t)
	for _, e := range []map[string]any{seedEntry(), npsEntry()} {
		if e["steps"].([]any)[0].(map[string]any)["id"] == "nps" {
			e["name"] = "Likely to recommend"
		}
		require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", e, nil))
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	seedResults(t, s.store, 14, today)
	b := newConsoleBrowser(t, s)
	b.signIn()

	b.click(`nav a[href="/console/results"]`, `document.querySelector("h1").textContent === "Results"`)
	b.choose("#f-group_by", "agent")
	b.do(chromedp.SetValue(chromedp.CSS("#f-from"), today.AddDate(0, 0, -14).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-to"), today.AddDate(0, 0, -1).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-tz"), "UTC"))
	b.click("#show", `document.querySelector("#table-groups") !== null && location.search.includes("group_by=agent")`)
	require.EqualValues(t, 14, b.eval(`document.querySelectorAll("#table-surveys tbody tr").length`), "a row a day")
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll("#table-scores-CSAT tbody tr").length`), "scores 1 to 5")
	require.EqualValues(t, 11, b.eval(`document.querySelectorAll("#table-scores-NPS tbody tr").length`), "scores 0 to 10")
	require.EqualValues(t, 5, b.eval(`[...document.querySelectorAll("svg.chart")].filter(s => s.getClientRects().length).length`),
		"sent and answered, two score distributions, CSAT and NPS, drawn for the desktop")
	require.EqualValues(t, 5, b.eval(`document.querySelectorAll("#table-groups tbody tr").length`), "five agents")
	require.Contains(t, b.text("#table-groups"), "A-1")
	b.look("results")

	// An entry's own results, from its screen.
	b.do(chromedp.Navigate(s.baseURL + "/console/entries/likely-to-recommend"))
	b.until("the entry screen", `document.querySelector("#editor") !== null`)
	b.click(`a[href="/console/results?entry=likely-to-recommend"]`, `document.querySelector("h1").textContent === "Results of Likely to recommend"`)
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll("#chart-csat-title").length`), "an NPS entry has no CSAT trend")
	require.EqualValues(t, 1, b.eval(`document.querySelectorAll("#chart-nps-title").length`))

	b.click(`nav a[href="/console/answers"]`, `document.querySelector("h1").textContent === "Answers"`)
	first := fmt.Sprint(b.eval(`document.querySelector("#table-answers td").textContent.replace(/\s+/g, " ").trim()`))
	require.Contains(t, []string{"0 of 10", "1 of 5"}, first, "lowest first: the bottom of a scale heads the list")
	require.Contains(t, fmt.Sprint(b.eval(`document.querySelector("#table-answers a").getAttribute("href")`)), "/console/runs/")
	require.Equal(t, "/console/answers.csv?order=lowest", b.eval(`document.querySelector("#download").getAttribute("href")`))
	b.look("answers")
	b.click("#next", `location.search.includes("cursor=")`)
	require.NotEmpty(t, b.eval(`document.querySelectorAll("#table-answers tbody tr").length`))

	b.mu.Lock()
	defer b.mu.Unlock()
	require.Equal(t, map[string]bool{s.baseURL: true}, b.hosts, "the browser asked nothing of any other host")
	require.Empty(t, b.problems, "the pages reported no script error, console error or policy violation")
}
