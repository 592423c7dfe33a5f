//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func ptr[T any](v T) *T { return &v }

// bulkRuns makes n runs of every kind the bulk path takes.
func bulkRuns(n int, start time.Time) []store.BulkRun {
	rng := rand.New(rand.NewPCG(5, 8))
	var out []store.BulkRun
	for i := range n {
		at := start.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
		entryID := []string{"a", "b", "c"}[i%3]
		wf := fmt.Sprintf("%s/BULK-%d", entryID, i)
		b := store.BulkRun{Run: store.Run{WorkflowID: wf, RunID: "r", EntryID: entryID, EntryVersion: 1, InteractionID: fmt.Sprint("BULK-", i),
			Trigger: "t", StartedAt: at, CustomerID: fmt.Sprint("C-", i), Service: []string{"S1", "S2"}[rng.IntN(2)],
			AgentID: fmt.Sprint("A-", rng.IntN(4)), Disposition: "d", Channel: "voice", Status: store.RunCompleted, EndedAt: ptr(at.Add(time.Hour))}}
		created := at.Add(time.Minute)
		sent := created.Add(time.Second)
		sms := rng.IntN(2) == 0
		channel := "email"
		status := ""
		if sms {
			channel, status = "sms", []string{"", "delivered", "undelivered", "sent"}[rng.IntN(4)]
		}
		b.Messages = append(b.Messages, store.BulkMessage{StepID: "survey", Channel: channel, Status: store.DeliverySent, Survey: true,
			CreatedAt: created, SentAt: &sent, SMSStatus: status})
		sv := &store.BulkSurvey{StepID: "survey", Scale: []string{"1-5", "0-10"}[i%2], Channel: channel, CreatedAt: created.Add(-time.Second), SentAt: &sent}
		if rng.IntN(3) > 0 {
			score := rng.IntN(11)
			if sv.Scale == "1-5" {
				score = 1 + rng.IntN(5)
			}
			sv.Answer = &store.BulkAnswer{Score: score, AnsweredAt: sent.Add(time.Duration(rng.IntN(5000)) * time.Minute)}
		}
		b.Survey = sv
		follow := store.BulkMessage{StepID: "follow-up", Channel: "email", CreatedAt: at.Add(time.Duration(rng.IntN(3000)) * time.Minute)}
		switch rng.IntN(4) {
		case 0:
			follow.Status, follow.ReasonCode = store.DeliverySkipped, "daily_cap"
		case 1:
			follow.Status = store.DeliveryFailed
		case 2:
			follow.Status, follow.HeldAt = store.DeliverySent, ptr(follow.CreatedAt)
			follow.SentAt = ptr(follow.CreatedAt.Add(8 * time.Hour))
		default:
			follow.Status, follow.SentAt = store.DeliverySent, ptr(follow.CreatedAt)
		}
		b.Messages = append(b.Messages, follow)
		out = append(out, b)
	}
	return out
}

// TestBulkLoadCountsWhatTheRawRowsSay: the bulk path's rows, folded, give
// the results their raw rows give.
func TestBulkLoadCountsWhatTheRawRowsSay(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	runs := bulkRuns(600, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, s.BulkLoad(ctx, runs[:300]))
	require.NoError(t, s.BulkLoad(ctx, runs[300:]))
	for {
		n, err := s.FoldResults(ctx, 10000)
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	for _, q := range []results.Query{
		resultsQuery(t, "agent", "America/New_York", "2026-10-31", "2026-11-14", "", ""),
		resultsQuery(t, "day,entry", "Asia/Kolkata", "2026-10-31", "2026-11-14", "", ""),
	} {
		g, err := s.ReadResults(ctx, results.NewPlan(q))
		require.NoError(t, err)
		got, totals, err := g.Result()
		require.NoError(t, err)
		want, wantTotals, err := s.ReferenceResults(ctx, q)
		require.NoError(t, err)
		require.JSONEq(t, jsonOf(t, want), jsonOf(t, got))
		require.JSONEq(t, jsonOf(t, wantTotals), jsonOf(t, totals))
		require.Equal(t, int64(600), totals.Runs)
	}
	var answers int
	require.NoError(t, s.DB().GetContext(ctx, &answers, `SELECT count(*) FROM survey_answers`))
	require.Positive(t, answers)
}
