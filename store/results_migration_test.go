//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/internal/testenv"
)

// TestResultsMigrationCountsWhatExisted: data stored before the results
// migration is filled in where it can be and counted once, and results
// read from it equal those of its raw rows; the migration also goes down.
func TestResultsMigrationCountsWhatExisted(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	require.NoError(t, s.MigrateTo(ctx, 6), "the migration goes down")
	db := s.DB()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO runs (workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at)
		 VALUES ('e/INT-1', 'r1', 'e', 2, 'INT-1', 't', $1), ('e/INT-2', 'r2', 'e', 2, 'INT-2', 't', $1)`,
		`INSERT INTO deliveries (key, workflow_id, step_id, channel, recipient, status, provider_id, created_at, sent_at, entry_id, survey)
		 VALUES ('e/INT-1/survey', 'e/INT-1', 'survey', 'sms', '+1555', 'sent', 'SM1', $1, $1::timestamptz + interval '1 minute', 'e', true),
		        ('e/INT-1/mail', 'e/INT-1', 'mail', 'email', 'a@b', 'failed', '', $1, NULL, 'e', false)`,
		`INSERT INTO deliveries (key, workflow_id, step_id, channel, recipient, status, decision, reason_code, decided_at, created_at, entry_id)
		 VALUES ('e/INT-2/mail', 'e/INT-2', 'mail', 'email', 'c@d', 'skipped', 'skipped', 'opted_out', $1, $1, 'e'),
		        ('e/INT-2/sms', 'e/INT-2', 'sms', 'sms', '+1666', 'held', 'held', 'quiet_hours', $1, $1, 'e')`,
		`INSERT INTO sms_statuses (provider_id, status, updated_at) VALUES ('SM1', 'delivered', $1::timestamptz + interval '2 minutes')`,
		`INSERT INTO surveys (id, token_id, workflow_id, run_id, step_id, entry_id, interaction_id, channel, question, wait_until, expires_at, created_at)
		 VALUES ('e/INT-1/survey', 'tok', 'e/INT-1', 'r1', 'survey', 'e', 'INT-1', 'sms', 'q', $1::timestamptz + interval '1 day', $1::timestamptz + interval '2 days', $1)`,
		`INSERT INTO survey_answers (survey_id, score, comment, delivered, answered_at) VALUES ('e/INT-1/survey', 4, 'ok', true, $1::timestamptz + interval '31 minutes')`,
	} {
		_, err := db.ExecContext(ctx, q, at)
		require.NoError(t, err, q)
	}
	require.NoError(t, s.MigrateTo(ctx, 7))
	// The store reads the schema of today: the later migrations change
	// nothing these rows hold.
	require.NoError(t, s.Migrate(ctx))

	r, err := s.Run(ctx, "e/INT-1")
	require.NoError(t, err)
	require.Equal(t, "unknown", r.Status, "how an older run ended was never recorded")
	sv, err := s.SurveyByToken(ctx, "tok")
	require.NoError(t, err)
	require.Equal(t, 2, sv.EntryVersion)
	require.Equal(t, "1-5", sv.Scale)
	require.True(t, at.Add(time.Minute).Equal(*sv.SentAt))
	require.True(t, at.Add(2*time.Minute).Equal(*sv.DeliveredAt))
	require.True(t, at.Add(31*time.Minute).Equal(*sv.AnsweredAt))

	for {
		n, err := s.FoldResults(ctx, 1000)
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	q := resultsQuery(t, "entry", "UTC", "2026-11-23", "2026-11-23", "", "")
	g, err := s.ReadResults(ctx, results.NewPlan(q))
	require.NoError(t, err)
	got, totals, err := g.Result()
	require.NoError(t, err)
	want, _, err := s.ReferenceResults(ctx, q)
	require.NoError(t, err)
	require.Equal(t, jsonOf(t, want), jsonOf(t, got))
	require.Equal(t, int64(2), totals.Runs)
	require.Equal(t, results.Messages{Sent: 1, Delivered: 1, Failed: 1, Held: 1, Skipped: map[string]int64{"opted_out": 1}}, totals.Messages)
	require.Equal(t, int64(1), totals.Surveys.Sent)
	require.Equal(t, int64(1), totals.Surveys.Answered)
	require.Equal(t, 100.0, *totals.CSAT)
	require.Equal(t, 30.0, *totals.MedianMinutesToAnswer, "answered 30 minutes after the link was sent")
}
