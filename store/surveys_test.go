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

// newSurvey is a survey whose wait ends in an hour and whose link stays
// answerable for expiresIn.
func newSurvey(id, tokenID string, expiresIn time.Duration) store.Survey {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return store.Survey{
		ID: id, TokenID: tokenID, WorkflowID: "post-call/INT-1", RunID: "run-1", StepID: "survey",
		EntryID: "post-call", InteractionID: "INT-1", Channel: "email", Question: "How did we do?",
		WaitUntil: now.Add(time.Hour), ExpiresAt: now.Add(expiresIn),
	}
}

func createSurvey(t *testing.T, s *store.Store, sv store.Survey) store.Survey {
	t.Helper()
	created, err := s.CreateSurvey(context.Background(), sv)
	require.NoError(t, err)
	return created
}

func TestCreateSurveyKeepsTheFirstTokenOnRetry(t *testing.T) {
	s := testenv.Store(t)
	first := createSurvey(t, s, newSurvey("post-call/INT-1/survey", "tok-1", 24*time.Hour))

	again := createSurvey(t, s, newSurvey("post-call/INT-1/survey", "tok-2", 24*time.Hour))

	require.Equal(t, "tok-1", again.TokenID)
	require.Equal(t, first, again)
}

func TestSurveyByTokenFindsTheSurvey(t *testing.T) {
	s := testenv.Store(t)
	want := newSurvey("wf/survey", "tok-1", 24*time.Hour)
	createSurvey(t, s, want)

	got, err := s.SurveyByToken(context.Background(), "tok-1")
	require.NoError(t, err)
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, want.Question, got.Question)
	require.True(t, want.ExpiresAt.Equal(got.ExpiresAt))
	require.Nil(t, got.Answer)
}

func TestSurveyByTokenUnknownIsNotFound(t *testing.T) {
	s := testenv.Store(t)

	_, err := s.SurveyByToken(context.Background(), "no-such-token")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// The use case (usecase.Service.AnswerSurvey) decides what to record, the
// answer the run took or a late one; these tests pin how it is recorded:
// once, and the first recorded stays.

func TestRecordSurveyAnswerStoresTheAnswer(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))

	stored, inserted, err := s.RecordSurveyAnswer(ctx, "wf/survey", store.SurveyAnswer{Score: 4, Comment: "Quick and kind", Delivered: true})
	require.NoError(t, err)
	require.True(t, inserted)
	require.Equal(t, 4, stored.Score)
	require.False(t, stored.AnsweredAt.IsZero())

	got, err := s.SurveyByToken(ctx, "tok-1")
	require.NoError(t, err)
	require.NotNil(t, got.Answer)
	require.Equal(t, 4, got.Answer.Score)
	require.Equal(t, "Quick and kind", got.Answer.Comment)
	require.True(t, got.Answer.Delivered)
	require.True(t, stored.AnsweredAt.Equal(got.Answer.AnsweredAt))
}

func TestRecordSurveyAnswerKeepsALateAnswer(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))

	stored, inserted, err := s.RecordSurveyAnswer(ctx, "wf/survey", store.SurveyAnswer{Score: 2})
	require.NoError(t, err)
	require.True(t, inserted)
	require.False(t, stored.Delivered)
}

// A second answer, a retry's or a racing one's, changes nothing and gets
// the first back.
func TestRecordSurveyAnswerTwiceKeepsTheFirst(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	first, _, err := s.RecordSurveyAnswer(ctx, "wf/survey", store.SurveyAnswer{Score: 5, Delivered: true})
	require.NoError(t, err)

	again, inserted, err := s.RecordSurveyAnswer(ctx, "wf/survey", store.SurveyAnswer{Score: 1, Comment: "changed my mind"})
	require.NoError(t, err)
	require.False(t, inserted)
	require.Equal(t, first, again)

	got, err := s.SurveyByToken(ctx, "tok-1")
	require.NoError(t, err)
	require.Equal(t, 5, got.Answer.Score)
	require.True(t, got.Answer.Delivered)
}

func TestRecordSurveyAnswerUnknownIsNotFound(t *testing.T) {
	s := testenv.Store(t)

	_, _, err := s.RecordSurveyAnswer(context.Background(), "no/such", store.SurveyAnswer{Score: 3})
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestConcurrentRecordsStoreOneAnswer(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	type outcome struct {
		stored   store.SurveyAnswer
		inserted bool
		err      error
	}
	var (
		wg       sync.WaitGroup
		outcomes = make([]outcome, 8)
	)
	for i := range outcomes {
		wg.Go(func() {
			o := &outcomes[i]
			o.stored, o.inserted, o.err = s.RecordSurveyAnswer(ctx, "wf/survey", store.SurveyAnswer{Score: i%5 + 1})
		})
	}
	wg.Wait()

	got, err := s.SurveyByToken(ctx, "tok-1")
	require.NoError(t, err)
	var inserted int
	for _, o := range outcomes {
		require.NoError(t, o.err)
		require.Equal(t, *got.Answer, o.stored, "every writer reads back the one answer stored")
		if o.inserted {
			inserted++
		}
	}
	require.Equal(t, 1, inserted)
}

func TestSurveysForWorkflowListsItsSurveysWithAnswers(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("post-call/INT-1/first", "tok-1", 24*time.Hour))
	second := newSurvey("post-call/INT-1/second", "tok-2", 24*time.Hour)
	createSurvey(t, s, second)
	other := newSurvey("other/INT-2/survey", "tok-3", 24*time.Hour)
	other.WorkflowID = "other/INT-2"
	createSurvey(t, s, other)
	_, _, err := s.RecordSurveyAnswer(ctx, "post-call/INT-1/second", store.SurveyAnswer{Score: 4, Delivered: true})
	require.NoError(t, err)

	list, err := s.SurveysForWorkflow(ctx, "post-call/INT-1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "post-call/INT-1/first", list[0].ID)
	require.Nil(t, list[0].Answer)
	require.Equal(t, "post-call/INT-1/second", list[1].ID)
	require.Equal(t, 4, list[1].Answer.Score)
}
