//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// replySurvey opens survey id for replies from the number hashed as hash,
// with a wait of an hour, and reports whether it took replies and else
// which survey did.
func replySurvey(t *testing.T, s *store.Store, id, hash string) (bool, string) {
	t.Helper()
	createSurvey(t, s, newSurvey(id, "tok-"+id, 24*time.Hour))
	opened, other, err := s.OpenReplySurvey(context.Background(), store.ReplySurveyClaim{
		SurveyID: id, NumberHash: hash, Forms: []string{hash}, Scale: "1-5", Wait: time.Hour})
	require.NoError(t, err)
	return opened, other
}

// exec runs a statement on the test's database, to put a row where a test
// needs it (its SMS sent or held some time ago).
func exec(t *testing.T, s *store.Store, query string, args ...any) {
	t.Helper()
	_, err := s.DB().ExecContext(context.Background(), query, args...)
	require.NoError(t, err)
}

// smsOf records the SMS of survey id as the send activity leaves it, in
// status, sent or held until at.
func smsOf(t *testing.T, s *store.Store, id, status string, at time.Time) {
	t.Helper()
	var sent, held *time.Time
	switch status {
	case store.DeliverySent:
		sent = &at
	case store.DeliveryHeld:
		held = &at
	}
	exec(t, s, `INSERT INTO deliveries (key, workflow_id, step_id, channel, recipient, status, sent_at, hold_until)
		VALUES ($1, 'wf', 'survey', 'sms', '+15551234567', $2, $3, $4)`, id, status, sent, held)
}

func TestOpenReplySurveyOpensOneSurveyANumberAtATime(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()

	opened, other := replySurvey(t, s, "a/survey", "k1:ada")
	require.True(t, opened)
	require.Empty(t, other)

	// The same claim again (a retried activity) keeps it.
	again, _, err := s.OpenReplySurvey(ctx, store.ReplySurveyClaim{
		SurveyID: "a/survey", NumberHash: "k1:ada", Forms: []string{"k1:ada"}, Scale: "1-5", Wait: time.Hour})
	require.NoError(t, err)
	require.True(t, again)

	// A second survey to the number while the first is open goes as a link.
	opened, other = replySurvey(t, s, "b/survey", "k1:ada")
	require.False(t, opened)
	require.Equal(t, "a/survey", other)

	// Another number is another matter.
	opened, _ = replySurvey(t, s, "c/survey", "k1:bob")
	require.True(t, opened)

	// Under an older key the number's hash differs: its forms find it.
	createSurvey(t, s, newSurvey("d/survey", "tok-d", 24*time.Hour))
	opened, other, err = s.OpenReplySurvey(ctx, store.ReplySurveyClaim{
		SurveyID: "d/survey", NumberHash: "k2:ada", Forms: []string{"k2:ada", "k1:ada"}, Scale: "1-5", Wait: time.Hour})
	require.NoError(t, err)
	require.False(t, opened)
	require.Equal(t, "a/survey", other)
}

func TestAReplySurveyIsOpenUntilAnsweredOrItsWaitIsOver(t *testing.T) {
	tests := []struct {
		name string
		// then changes survey a/survey, opened an hour's wait ago or not.
		then func(t *testing.T, s *store.Store)
		open bool
	}{
		{"its SMS not sent yet", func(*testing.T, *store.Store) {}, true},
		{"sent a minute ago", func(t *testing.T, s *store.Store) {
			smsOf(t, s, "a/survey", store.DeliverySent, time.Now().Add(-time.Minute))
		}, true},
		{"sent longer ago than its wait", func(t *testing.T, s *store.Store) {
			smsOf(t, s, "a/survey", store.DeliverySent, time.Now().Add(-61*time.Minute))
		}, false},
		{"opened longer ago than its wait and never sent", func(t *testing.T, s *store.Store) {
			exec(t, s, `UPDATE reply_surveys SET created_at = now() - interval '61 minutes'`)
		}, false},
		{"held until the morning, opened long ago", func(t *testing.T, s *store.Store) {
			exec(t, s, `UPDATE reply_surveys SET created_at = now() - interval '10 hours'`)
			smsOf(t, s, "a/survey", store.DeliveryHeld, time.Now().Add(2*time.Hour))
		}, true},
		{"held, its hold and its wait over (the run is gone)", func(t *testing.T, s *store.Store) {
			exec(t, s, `UPDATE reply_surveys SET created_at = now() - interval '10 hours'`)
			smsOf(t, s, "a/survey", store.DeliveryHeld, time.Now().Add(-2*time.Hour))
		}, false},
		{"skipped by the contact policy", func(t *testing.T, s *store.Store) {
			smsOf(t, s, "a/survey", store.DeliverySkipped, time.Now())
		}, false},
		{"failed to send", func(t *testing.T, s *store.Store) {
			smsOf(t, s, "a/survey", store.DeliveryFailed, time.Now())
		}, false},
		{"answered", func(t *testing.T, s *store.Store) {
			_, _, err := s.RecordSurveyAnswer(context.Background(), "a/survey", store.SurveyAnswer{Score: 4, Delivered: true})
			require.NoError(t, err)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testenv.Store(t)
			opened, _ := replySurvey(t, s, "a/survey", "k1:ada")
			require.True(t, opened)
			tt.then(t, s)

			opened, other := replySurvey(t, s, "b/survey", "k1:ada")
			require.Equal(t, !tt.open, opened, "a second survey takes replies only when the first is closed")
			if tt.open {
				require.Equal(t, "a/survey", other)
			}
		})
	}
}

// Surveys opening for one number at once take turns: one takes replies.
func TestOpenReplySurveyRacingClaimsOpenOne(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	const n = 8
	for i := range n {
		createSurvey(t, s, newSurvey(string(rune('a'+i))+"/survey", "tok-"+string(rune('a'+i)), 24*time.Hour))
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		opened []string
	)
	for i := range n {
		wg.Go(func() {
			id := string(rune('a'+i)) + "/survey"
			ok, _, err := s.OpenReplySurvey(ctx, store.ReplySurveyClaim{
				SurveyID: id, NumberHash: "k1:ada", Forms: []string{"k1:ada"}, Scale: "1-5", Wait: time.Hour})
			require.NoError(t, err)
			if ok {
				mu.Lock()
				opened = append(opened, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, opened, 1, "one survey of %d takes the number's replies", n)
}

func TestOpenReplySurveyOfAnUnknownSurveyIsNotFound(t *testing.T) {
	s := testenv.Store(t)
	_, _, err := s.OpenReplySurvey(context.Background(), store.ReplySurveyClaim{
		SurveyID: "no/survey", NumberHash: "k1:ada", Forms: []string{"k1:ada"}, Scale: "1-5", Wait: time.Hour})
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestReplySurveyForFindsTheNumbersNewestUnansweredSurvey(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	replySurvey(t, s, "a/survey", "k1:ada")
	replySurvey(t, s, "c/survey", "k1:bob")

	got, err := s.ReplySurveyFor(ctx, []string{"k2:ada", "k1:ada"})
	require.NoError(t, err)
	require.Equal(t, "a/survey", got.ID)
	require.Equal(t, "1-5", got.Scale)
	require.True(t, got.Open)
	require.Equal(t, "How did we do?", got.Question)

	_, err = s.ReplySurveyFor(ctx, []string{"k1:carol"})
	require.ErrorIs(t, err, store.ErrNotFound, "a number no survey went to")

	// Its wait over, it takes a late answer: found, not open.
	smsOf(t, s, "a/survey", store.DeliverySent, time.Now().Add(-2*time.Hour))
	got, err = s.ReplySurveyFor(ctx, []string{"k1:ada"})
	require.NoError(t, err)
	require.Equal(t, "a/survey", got.ID)
	require.False(t, got.Open)

	// A newer reply survey to the number is the one a reply answers.
	opened, _ := replySurvey(t, s, "b/survey", "k1:ada")
	require.True(t, opened)
	got, err = s.ReplySurveyFor(ctx, []string{"k1:ada"})
	require.NoError(t, err)
	require.Equal(t, "b/survey", got.ID)
	require.True(t, got.Open)

	// Answered, it answers nothing more; nor does the older one.
	_, _, err = s.RecordSurveyAnswer(ctx, "b/survey", store.SurveyAnswer{Score: 5, Delivered: true})
	require.NoError(t, err)
	_, err = s.ReplySurveyFor(ctx, []string{"k1:ada"})
	require.ErrorIs(t, err, store.ErrNotFound)

	// Expired, the number's survey answers nothing.
	_, err = s.ReplySurveyFor(ctx, []string{"k1:bob"})
	require.NoError(t, err)
	exec(t, s, `UPDATE surveys SET expires_at = now() - interval '1 second' WHERE id = 'c/survey'`)
	_, err = s.ReplySurveyFor(ctx, []string{"k1:bob"})
	require.ErrorIs(t, err, store.ErrNotFound)
}

// received records a reply to survey as received.
func received(t *testing.T, s *store.Store, sid, survey string) {
	t.Helper()
	body := "4 thanks"
	_, fresh, err := s.HandleInbound(context.Background(), store.InboundMessage{MessageSID: sid, Channel: "sms",
		FromHash: "k1:ada", Body: &body, Action: store.InboundReceived, SurveyID: &survey}, store.InboundEffect{})
	require.NoError(t, err)
	require.True(t, fresh)
}

func TestFinishReplyRecordsOneAnswerASurvey(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	replySurvey(t, s, "a/survey", "k1:ada")
	received(t, s, "SM1", "a/survey")
	received(t, s, "SM2", "a/survey")

	got, err := s.FinishReply(ctx, "SM1", store.InboundAnswered)
	require.NoError(t, err)
	require.Equal(t, store.InboundAnswered, got)

	got, err = s.FinishReply(ctx, "SM2", store.InboundAnswered)
	require.NoError(t, err)
	require.Equal(t, store.InboundKept, got, "the survey has its answering message")

	got, err = s.FinishReply(ctx, "SM1", store.InboundKept)
	require.NoError(t, err)
	require.Equal(t, store.InboundAnswered, got, "a reply finished before keeps what it did")

	_, err = s.FinishReply(ctx, "SM-none", store.InboundKept)
	require.ErrorIs(t, err, store.ErrNotFound)

	replies, err := s.RepliesForWorkflow(ctx, "post-call/INT-1")
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"a/survey": true}, replies.ByReply)
	require.Len(t, replies.Replies, 2)
	require.Equal(t, "SM1", replies.Replies[0].MessageSID)
	require.Equal(t, store.InboundAnswered, replies.Replies[0].Action)
	require.Equal(t, store.InboundKept, replies.Replies[1].Action)
}

// A reply survey goes with its survey: retention and erasure delete
// surveys, and the reply survey with it.
func TestAReplySurveyGoesWithItsSurvey(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	replySurvey(t, s, "a/survey", "k1:ada")
	exec(t, s, `DELETE FROM surveys WHERE id = 'a/survey'`)
	_, err := s.ReplySurveyByID(ctx, "a/survey")
	require.ErrorIs(t, err, store.ErrNotFound)
	opened, _ := replySurvey(t, s, "b/survey", "k1:ada")
	require.True(t, opened)
}
