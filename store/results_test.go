//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// clock is a store's Clock the test moves.
type clock struct{ now time.Time }

func (c *clock) at(t time.Time) { c.now = t }

func (c *clock) read() time.Time { return c.now }

// decideAs is a policy decision the test chooses.
func decideAs(d policy.Decision) store.Decide {
	return func(policy.Policy, policy.Request) policy.Decision { return d }
}

// sendOf is the delivery of one message of a run.
func sendOf(workflowID, step, channel string, survey bool) store.SendAttempt {
	key := workflowID + "/" + step
	return store.SendAttempt{
		Delivery: store.Delivery{Key: key, WorkflowID: workflowID, StepID: step, Channel: channel, Recipient: "r-" + key,
			CustomerKey: "c-" + workflowID, EntryID: "", Survey: survey, AddressHash: "h-" + key},
		Owner: "test", LeaseFor: time.Minute,
	}
}

// world writes runs, messages, surveys and answers through the store's
// own writes, with retries and repeated reports, at times it chooses.
type world struct {
	t   *testing.T
	s   *store.Store
	c   *clock
	rng *rand.Rand
	ctx context.Context
	n   int
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// run makes one run starting at start, and whatever it sends.
func (w *world) run(start time.Time) {
	t, s, rng, ctx := w.t, w.s, w.rng, w.ctx
	w.n++
	entryID := pick(rng, "post-call", "nps", "win-back")
	wf := fmt.Sprintf("%s/INT-%d", entryID, w.n)
	claim := store.Run{WorkflowID: wf, EntryID: entryID, EntryVersion: 1, InteractionID: fmt.Sprintf("INT-%d", w.n), Trigger: "t",
		Service: pick(rng, "Billing", "Sales"), AgentID: pick(rng, "A-1", "A-2", "A-3", ""),
		Disposition: pick(rng, "Problem solved", "Answer provided"), Channel: pick(rng, "voice", "chat", "")}
	w.c.at(start)
	claimed, err := s.ClaimRuns(ctx, []store.Run{claim})
	require.NoError(t, err)
	if rng.IntN(10) == 0 {
		// The start failed for good: the claim is released, and the
		// event is posted again a little later.
		released, err := s.ReleaseClaim(ctx, claimed[0])
		require.NoError(t, err)
		require.True(t, released)
		if rng.IntN(2) == 0 {
			return
		}
		w.c.at(start.Add(time.Minute))
		_, err = s.ClaimRuns(ctx, []store.Run{claim})
		require.NoError(t, err)
	}
	if rng.IntN(3) == 0 {
		_, err = s.ClaimRuns(ctx, []store.Run{claim}) // a repeated event
		require.NoError(t, err)
	}
	require.NoError(t, s.ConfirmRuns(ctx, []store.Run{{WorkflowID: wf, RunID: "run-" + wf, EntryVersion: 1, Trigger: "t"}}))

	at := start.Add(time.Duration(rng.IntN(90)) * time.Minute)
	if rng.IntN(3) > 0 {
		w.survey(wf, entryID, at)
	}
	for i := range rng.IntN(3) {
		at = at.Add(time.Duration(rng.IntN(300)) * time.Minute)
		w.message(wf, fmt.Sprintf("msg-%d", i), pick(rng, "email", "sms"), false, at)
	}
}

// message sends one message of run wf, first decided at at.
func (w *world) message(wf, step, channel string, survey bool, at time.Time) (sent bool, sentAt time.Time) {
	t, s, rng, ctx := w.t, w.s, w.rng, w.ctx
	a := sendOf(wf, step, channel, survey)
	decide := func(at time.Time, d policy.Decision) store.Delivery {
		w.c.at(at)
		a.Now = at
		got, err := s.DecideSend(ctx, a, decideAs(d))
		require.NoError(t, err)
		return got
	}
	if rng.IntN(4) == 0 {
		// Held for quiet hours, once or twice, then decided again.
		until := at.Add(time.Duration(1+rng.IntN(600)) * time.Minute)
		decide(at, policy.Decision{Outcome: policy.Hold, Code: policy.CodeQuietHours, Reason: "quiet hours", Until: until})
		if rng.IntN(3) == 0 {
			decide(until, policy.Decision{Outcome: policy.Hold, Code: policy.CodeQuietHours, Reason: "quiet hours", Until: until.Add(time.Hour)})
			until = until.Add(time.Hour)
		}
		at = until
	}
	if rng.IntN(6) == 0 {
		code := pick(rng, policy.CodeOptedOut, policy.CodeDailyCap, policy.CodeSurveyGrace)
		decide(at, policy.Decision{Outcome: policy.Skip, Code: code, Reason: code})
		decide(at.Add(time.Minute), policy.Decision{Outcome: policy.Send}) // a retry finds it skipped
		return false, time.Time{}
	}
	decide(at, policy.Decision{Outcome: policy.Send})
	providerID := "P-" + a.Delivery.Key
	switch rng.IntN(8) {
	case 0:
		w.c.at(at.Add(time.Second))
		require.NoError(t, s.MarkDeliveryFailed(ctx, a.Delivery.Key, "refused", true))
		return false, time.Time{}
	case 1:
		w.c.at(at.Add(time.Second))
		_, err := s.MarkDeliverySkipped(ctx, a.Delivery.Key, policy.CodeOptedOut, "opted out")
		require.NoError(t, err)
		return false, time.Time{}
	}
	sentAt = at.Add(time.Duration(rng.IntN(30)) * time.Second)
	reports := func() {
		if channel != "sms" {
			return
		}
		for range rng.IntN(4) {
			w.c.at(sentAt.Add(time.Duration(rng.IntN(120)) * time.Second))
			_, err := s.RecordSMSStatus(ctx, providerID, pick(rng, "queued", "sent", "delivered", "delivered", "undelivered", "failed", "read"), "")
			require.NoError(t, err)
		}
	}
	early := rng.IntN(3) == 0
	if early {
		reports() // Twilio's reports come before the send is recorded
	}
	w.c.at(sentAt)
	_, err := s.MarkDelivered(ctx, a.Delivery.Key, providerID)
	require.NoError(t, err)
	if rng.IntN(3) == 0 {
		w.c.at(sentAt.Add(time.Minute))
		_, err = s.MarkDelivered(ctx, a.Delivery.Key, providerID) // a retry after a lost reply
		require.NoError(t, err)
	}
	if !early || rng.IntN(2) == 0 {
		reports()
	}
	return true, sentAt
}

// survey opens a survey of run wf at at, sends its link and maybe has
// it answered, in time or late, before or after its send is recorded.
func (w *world) survey(wf, entryID string, at time.Time) {
	t, s, rng, ctx := w.t, w.s, w.rng, w.ctx
	id := wf + "/survey"
	sc := pick(rng, "1-5", "0-10")
	w.c.at(at)
	_, err := s.CreateSurvey(ctx, store.Survey{ID: id, TokenID: "tok-" + id, WorkflowID: wf, RunID: "run-" + wf, StepID: "survey",
		EntryID: entryID, InteractionID: "i", Channel: "sms", Question: "q", WaitUntil: at.Add(time.Hour),
		ExpiresAt: at.Add(48 * time.Hour), EntryVersion: 1, Scale: sc})
	require.NoError(t, err)
	answer := func(when time.Time) {
		w.c.at(when)
		score := rng.IntN(11)
		if sc == "1-5" {
			score = 1 + rng.IntN(5)
		}
		_, _, err := s.RecordSurveyAnswer(ctx, id, store.SurveyAnswer{Score: score, Comment: "c", Delivered: rng.IntN(5) > 0})
		require.NoError(t, err)
	}
	answerFirst := rng.IntN(6) == 0
	if answerFirst {
		answer(at.Add(time.Duration(rng.IntN(20)) * time.Second))
	}
	sent, sentAt := w.message(wf, "survey", "sms", true, at)
	if !sent || answerFirst || rng.IntN(3) == 0 {
		return
	}
	when := sentAt.Add(time.Duration(rng.IntN(3000)) * time.Minute)
	answer(when)
	if rng.IntN(3) == 0 {
		answer(when.Add(time.Minute)) // a second answer: the first stays
	}
}

// TestResultsEqualTheRawRows writes randomized runs through the store's
// own writes (retries, repeated and early reports, released claims, late
// answers, answers before their send is recorded) over days that cross
// a change of the clocks in New York, folds some of the facts, and
// compares every figure of every group of many queries with the same
// figures computed from the raw rows.
func TestResultsEqualTheRawRows(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	c := &clock{}
	s.Clock = c.read
	w := &world{t: t, s: s, c: c, rng: rand.New(rand.NewPCG(7, 11)), ctx: ctx}
	first := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC) // a week before New York's clocks go back
	for range 400 {
		w.run(first.Add(time.Duration(w.rng.Int64N(int64(14 * 24 * time.Hour)))))
	}
	var facts0 int
	require.NoError(t, s.DB().GetContext(ctx, &facts0, `SELECT count(*) FROM result_facts`))
	pending0, err := s.PendingFacts(ctx)
	require.NoError(t, err)
	require.Equal(t, facts0, pending0, "every fact written is left for the folder")
	// Part of the facts folded: queries read the rollup and the facts
	// not folded yet together.
	_, err = s.FoldResults(ctx, 1500)
	require.NoError(t, err)

	var facts int
	require.NoError(t, s.DB().GetContext(ctx, &facts, `SELECT count(*) FROM result_facts WHERE xid >= (SELECT watermark FROM result_fold)`))
	require.Positive(t, facts, "some facts are left to fold")

	queries := []struct{ groupBy, tz, from, to, entry, agent string }{
		{groupBy: "day", tz: "America/New_York"},
		{groupBy: "day", tz: "Asia/Kolkata"},
		{groupBy: "day", tz: "Asia/Kathmandu"},
		{groupBy: "week", tz: "Australia/Lord_Howe"},
		{groupBy: "agent", tz: "America/New_York"},
		{groupBy: "agent", tz: "Asia/Kolkata", from: "2026-10-27T10:07:00Z", to: "2026-11-04T13:13:13Z"},
		{groupBy: "entry", tz: "UTC"},
		{groupBy: "service", tz: "UTC"},
		{groupBy: "disposition", tz: "UTC", entry: "nps"},
		{groupBy: "channel", tz: "UTC"},
		{groupBy: "variant", tz: "UTC"},
		{groupBy: "day,agent", tz: "America/New_York"},
		{groupBy: "agent,entry", tz: "Asia/Kolkata"},
		{groupBy: "service,agent", tz: "UTC"},
		{groupBy: "day,disposition", tz: "Asia/Kolkata", agent: "A-2"},
		{groupBy: "entry", tz: "America/New_York", agent: "A-1"},
	}
	check := func() {
		for _, q := range queries {
			name := fmt.Sprintf("%s in %s from %q to %q entry %q agent %q", q.groupBy, q.tz, q.from, q.to, q.entry, q.agent)
			query := resultsQuery(t, q.groupBy, q.tz, q.from, q.to, q.entry, q.agent)
			g, err := s.ReadResults(ctx, results.NewPlan(query))
			require.NoError(t, err, name)
			got, gotTotals, err := g.Result()
			require.NoError(t, err, name)
			want, wantTotals, err := s.ReferenceResults(ctx, query)
			require.NoError(t, err, name)
			// As JSON, so a difference reads as the figures that differ.
			require.Len(t, got, len(want), name)
			for i := range want {
				require.JSONEq(t, jsonOf(t, want[i]), jsonOf(t, got[i]), "%s: group %v", name, want[i].Key)
			}
			require.JSONEq(t, jsonOf(t, wantTotals), jsonOf(t, gotTotals), "%s: totals", name)
			require.Positive(t, gotTotals.Runs, name)
		}
	}
	check()
	for {
		n, err := s.FoldResults(ctx, 5000)
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	check()

	var answers, scaled int
	require.NoError(t, s.DB().GetContext(ctx, &answers, `SELECT count(*) FROM survey_answers`))
	require.NoError(t, s.DB().GetContext(ctx, &scaled, `SELECT count(*) FROM survey_answers WHERE scale = '0-10' AND score = 0`))
	require.Greater(t, answers, 50, "the test answers surveys")
	require.Positive(t, scaled, "a 0 on 0-10 is an answer")
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

func resultsQuery(t *testing.T, groupBy, tz, from, to, entry, agent string) results.Query {
	t.Helper()
	dims, err := results.ParseGroupBy(groupBy)
	require.NoError(t, err)
	loc, err := results.LoadZone("tz", tz)
	require.NoError(t, err)
	if from == "" {
		from, to = "2026-10-20", "2026-11-12"
	}
	p, err := results.ParsePeriod(from, to, loc, time.Now(), true)
	require.NoError(t, err)
	return results.Query{Period: p, ZoneName: tz, GroupBy: dims, Filter: results.Filter{Entry: entry, Agent: agent}}
}

// TestFactsCountChangesNotCalls: every write that changes nothing (a
// repeated claim, a second record of a send, a repeated report, a second
// answer) counts nothing, and a report that changes its class takes its
// count back.
func TestFactsCountChangesNotCalls(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	count := func(kind string) int {
		var n int
		require.NoError(t, s.DB().GetContext(ctx, &n, `SELECT COALESCE(sum(n), 0) FROM result_facts WHERE kind = $1`, kind))
		return n
	}
	claim := store.Run{WorkflowID: "e/INT-1", EntryID: "e", EntryVersion: 1, InteractionID: "INT-1", Trigger: "t", AgentID: "A-7"}
	for range 3 {
		_, err := s.ClaimRuns(ctx, []store.Run{claim})
		require.NoError(t, err)
	}
	require.Equal(t, 1, count("run"))

	a := sendOf("e/INT-1", "survey", "sms", true)
	a.Now = time.Now()
	_, err := s.CreateSurvey(ctx, store.Survey{ID: "e/INT-1/survey", TokenID: "tok", WorkflowID: "e/INT-1", RunID: "r", StepID: "survey",
		EntryID: "e", InteractionID: "INT-1", Channel: "sms", Question: "q", WaitUntil: time.Now().Add(time.Hour),
		ExpiresAt: time.Now().Add(time.Hour), Scale: "0-10"})
	require.NoError(t, err)
	for range 2 {
		_, err = s.DecideSend(ctx, a, decideAs(policy.Decision{Outcome: policy.Hold, Code: policy.CodeQuietHours, Until: time.Now()}))
		require.NoError(t, err)
	}
	require.Equal(t, 1, count("held"), "held twice, counted once")
	_, err = s.DecideSend(ctx, a, decideAs(policy.Decision{Outcome: policy.Send}))
	require.NoError(t, err)

	// Twilio's report comes first, then the send is recorded twice.
	_, err = s.RecordSMSStatus(ctx, "SM1", "delivered", "")
	require.NoError(t, err)
	require.Equal(t, 0, count("delivered"), "no send recorded yet: the send counts it")
	for range 2 {
		_, err = s.MarkDelivered(ctx, a.Delivery.Key, "SM1")
		require.NoError(t, err)
	}
	require.Equal(t, 1, count("sent"))
	require.Equal(t, 1, count("survey_sent"))
	require.Equal(t, 1, count("delivered"))
	_, err = s.RecordSMSStatus(ctx, "SM1", "delivered", "")
	require.NoError(t, err)
	require.Equal(t, 1, count("delivered"), "a repeated report counts nothing")
	_, err = s.RecordSMSStatus(ctx, "SM1", "undelivered", "30007")
	require.NoError(t, err)
	require.Equal(t, 0, count("delivered"), "a report that changes its class takes its count back")
	require.Equal(t, 1, count("failed"))

	for score := range 2 {
		_, _, err = s.RecordSurveyAnswer(ctx, "e/INT-1/survey", store.SurveyAnswer{Score: score, Delivered: true})
		require.NoError(t, err)
	}
	require.Equal(t, 1, count("answered"))
	var score, minutes int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT score, minutes FROM result_facts WHERE kind = 'answered'`).Scan(&score, &minutes))
	require.Equal(t, 0, score, "the first answer, a 0 on 0-10")
	require.Equal(t, 0, minutes)

	sv, err := s.SurveyByToken(ctx, "tok")
	require.NoError(t, err)
	require.Equal(t, "0-10", sv.Scale)
	require.NotNil(t, sv.SentAt)
	require.NotNil(t, sv.DeliveredAt)
	require.NotNil(t, sv.AnsweredAt)

	// An answer off its survey's scale never reaches the table.
	_, err = s.CreateSurvey(ctx, store.Survey{ID: "e/INT-1/csat", TokenID: "tok2", WorkflowID: "e/INT-1", RunID: "r", StepID: "csat",
		EntryID: "e", InteractionID: "INT-1", Channel: "sms", Question: "q", WaitUntil: time.Now(), ExpiresAt: time.Now()})
	require.NoError(t, err)
	_, _, err = s.RecordSurveyAnswer(ctx, "e/INT-1/csat", store.SurveyAnswer{Score: 0})
	require.Error(t, err)
	require.Equal(t, 1, count("answered"))
}

// TestRunEndIsRecordedOnce: the run's end fills its record once.
func TestRunEndIsRecordedOnce(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	_, err := s.ClaimRuns(ctx, []store.Run{{WorkflowID: "e/INT-9", EntryID: "e", EntryVersion: 1, InteractionID: "INT-9", Trigger: "t"}})
	require.NoError(t, err)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r, ended, err := s.RecordRunEnd(ctx, store.RunEnd{WorkflowID: "e/INT-9", RunID: "r-9", Status: store.RunFailed,
		Reason: `step "x" (send_email) failed`, EndedAt: at})
	require.NoError(t, err)
	require.True(t, ended)
	require.Equal(t, "r-9", r.RunID, "a run that ends before its claim is confirmed fills its run ID in")
	require.Equal(t, store.RunFailed, r.Status)
	_, ended, err = s.RecordRunEnd(ctx, store.RunEnd{WorkflowID: "e/INT-9", RunID: "r-9", Status: store.RunCompleted, EndedAt: at.Add(time.Hour)})
	require.NoError(t, err)
	require.False(t, ended)
	got, err := s.Run(ctx, "e/INT-9")
	require.NoError(t, err)
	require.Equal(t, store.RunFailed, got.Status)
	require.True(t, at.Equal(*got.EndedAt))
	_, _, err = s.RecordRunEnd(ctx, store.RunEnd{WorkflowID: "nope", RunID: "r", Status: store.RunCompleted, EndedAt: at})
	require.ErrorIs(t, err, store.ErrNotFound)
}
