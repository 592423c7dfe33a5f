//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// TestErasureAndRetentionReachAnswersNotTheCounts: erasing a customer
// deletes their answers and unlinks their runs, retention clears the
// customer id of runs that ended long ago and deletes old answers; the
// results' counts stay as they were.
func TestErasureAndRetentionReachAnswersNotTheCounts(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	s.Clock = func() time.Time { return at }
	for _, r := range []struct{ wf, customer string }{{"e/INT-1", "C-erase"}, {"e/INT-2", "C-old"}} {
		_, err := s.ClaimRuns(ctx, []store.Run{{WorkflowID: r.wf, EntryID: "e", EntryVersion: 1, InteractionID: r.wf[2:], Trigger: "t",
			CustomerID: r.customer, AgentID: "A-1"}})
		require.NoError(t, err)
		require.NoError(t, s.ConfirmRuns(ctx, []store.Run{{WorkflowID: r.wf, RunID: "r", EntryVersion: 1, Trigger: "t"}}))
		_, err = s.CreateSurvey(ctx, store.Survey{ID: r.wf + "/survey", TokenID: r.wf, WorkflowID: r.wf, RunID: "r", StepID: "survey",
			EntryID: "e", InteractionID: r.wf[2:], Channel: "email", Question: "q", WaitUntil: at, ExpiresAt: at.Add(time.Hour)})
		require.NoError(t, err)
		a := sendOf(r.wf, "survey", "email", true)
		a.Delivery.CustomerKey, a.Now = r.customer, at
		_, err = s.DecideSend(ctx, a, decideAs(policy.Decision{Outcome: policy.Send}))
		require.NoError(t, err)
		_, err = s.MarkDelivered(ctx, r.wf+"/survey", "m")
		require.NoError(t, err)
		_, _, err = s.RecordSurveyAnswer(ctx, r.wf+"/survey", store.SurveyAnswer{Score: 2, Comment: "my name is Ada", Delivered: true})
		require.NoError(t, err)
		_, _, err = s.RecordRunEnd(ctx, store.RunEnd{WorkflowID: r.wf, RunID: "r", Status: store.RunCompleted, EndedAt: at})
		require.NoError(t, err)
	}
	s.Clock = nil
	query := resultsQuery(t, "agent", "UTC", "2026-06-01", "2026-06-01", "", "")
	counts := func() string {
		g, err := s.ReadResults(ctx, results.NewPlan(query))
		require.NoError(t, err)
		groups, _, err := g.Result()
		require.NoError(t, err)
		return jsonOf(t, groups)
	}
	before := counts()

	erased, err := s.EraseCustomer(ctx, "C-erase")
	require.NoError(t, err)
	require.Equal(t, int64(1), erased.SurveyAnswers)
	require.Equal(t, int64(1), erased.RunsUnlinked)
	require.JSONEq(t, before, counts(), "erasure keeps the counts")

	purged, err := s.Purge(ctx, at.AddDate(0, 0, 1), at.AddDate(0, 0, 2), 100)
	require.NoError(t, err)
	require.Equal(t, int64(1), purged.SurveyAnswers, "the other customer's answer, past retention")
	require.Equal(t, int64(1), purged.RunsUnlinked, "the customer id of a run that ended before the cutoff")
	var left int
	require.NoError(t, s.DB().GetContext(ctx, &left, `SELECT count(*) FROM runs WHERE customer_id <> ''`))
	require.Zero(t, left)
	require.NoError(t, s.DB().GetContext(ctx, &left, `SELECT count(*) FROM survey_answers`))
	require.Zero(t, left)
	_, err = s.FoldResults(ctx, 1000)
	require.NoError(t, err)
	require.JSONEq(t, before, counts(), "retention keeps the counts")
	var named int
	require.NoError(t, s.DB().GetContext(ctx, &named, `SELECT count(*) FROM result_rollup WHERE agent_id LIKE 'C-%' OR entry_id LIKE 'C-%'`))
	require.Zero(t, named, "the aggregates name no customer")
}
