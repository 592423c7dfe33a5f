//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"errors"
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

// deliverTo returns a deliver func reporting delivered and counting its calls.
// deliverTo stands for the workflow: it counts the hand-overs and says
// score was answered, delivered or late.
func deliverTo(delivered bool, score int, comment string, calls *int) func(context.Context, store.Survey) (store.SurveyAnswer, error) {
	return func(context.Context, store.Survey) (store.SurveyAnswer, error) {
		*calls++
		return store.SurveyAnswer{Score: score, Comment: comment, Delivered: delivered}, nil
	}
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

func TestAnswerSurveyStoresTheDeliveredAnswer(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	var handed store.Survey
	deliver := func(_ context.Context, sv store.Survey) (store.SurveyAnswer, error) {
		handed = sv
		return store.SurveyAnswer{Score: 4, Comment: "Quick and kind", Delivered: true}, nil
	}

	answered, err := s.AnswerSurvey(ctx, "wf/survey", deliver)
	require.NoError(t, err)
	require.Equal(t, "wf/survey", handed.ID, "deliver gets the survey to hand the answer to")
	require.Equal(t, 4, answered.Answer.Score)

	got, err := s.SurveyByToken(ctx, "tok-1")
	require.NoError(t, err)
	require.NotNil(t, got.Answer)
	require.Equal(t, 4, got.Answer.Score)
	require.Equal(t, "Quick and kind", got.Answer.Comment)
	require.True(t, got.Answer.Delivered)
}

func TestAnswerSurveyKeepsALateAnswer(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	var calls int

	answered, err := s.AnswerSurvey(ctx, "wf/survey", deliverTo(false, 2, "", &calls))
	require.NoError(t, err)
	require.False(t, answered.Answer.Delivered)
}

func TestAnswerSurveyTwiceIsAlreadyAnswered(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	var calls int
	_, err := s.AnswerSurvey(ctx, "wf/survey", deliverTo(true, 5, "", &calls))
	require.NoError(t, err)

	_, err = s.AnswerSurvey(ctx, "wf/survey", deliverTo(true, 1, "changed my mind", &calls))
	require.ErrorIs(t, err, store.ErrAlreadyAnswered)
	require.Equal(t, 1, calls, "the second answer is not handed to the workflow")

	got, err := s.SurveyByToken(ctx, "tok-1")
	require.NoError(t, err)
	require.Equal(t, 5, got.Answer.Score)
}

func TestAnswerSurveyPastItsExpiryIsExpired(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", -time.Minute))
	var calls int

	_, err := s.AnswerSurvey(ctx, "wf/survey", deliverTo(true, 3, "", &calls))
	require.ErrorIs(t, err, store.ErrExpired)
	require.Zero(t, calls)
}

// What is recorded is what the workflow accepted, which after a retry of a
// lost reply is the earlier attempt's answer, not the retry's.
func TestAnswerSurveyRecordsTheAnswerTheWorkflowAccepted(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	var calls int

	answered, err := s.AnswerSurvey(ctx, "wf/survey", deliverTo(true, 5, "first try", &calls))

	require.NoError(t, err)
	require.Equal(t, 5, answered.Answer.Score)
	require.Equal(t, "first try", answered.Answer.Comment)
}

// Once the workflow has the answer, its record is written even though the
// caller's deadline passed while the workflow was taking it.
func TestAnswerSurveyIsRecordedEvenWhenTheCallerGivesUpDuringDelivery(t *testing.T) {
	s := testenv.Store(t)
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	ctx, giveUp := context.WithCancel(context.Background())

	_, err := s.AnswerSurvey(ctx, "wf/survey", func(context.Context, store.Survey) (store.SurveyAnswer, error) {
		giveUp()
		return store.SurveyAnswer{Score: 3, Delivered: true}, nil
	})

	require.NoError(t, err)
	got, err := s.SurveyByToken(context.Background(), "tok-1")
	require.NoError(t, err)
	require.NotNil(t, got.Answer)
	require.Equal(t, 3, got.Answer.Score)
}

func TestAnswerSurveyStoresNothingWhenDeliveryFails(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	unreachable := errors.New("temporal unreachable")

	_, err := s.AnswerSurvey(ctx, "wf/survey", func(context.Context, store.Survey) (store.SurveyAnswer, error) {
		return store.SurveyAnswer{}, unreachable
	})
	require.ErrorIs(t, err, unreachable)

	got, err := s.SurveyByToken(ctx, "tok-1")
	require.NoError(t, err)
	require.Nil(t, got.Answer, "the customer can answer again")
}

func TestAnswerSurveyUnknownIsNotFound(t *testing.T) {
	s := testenv.Store(t)
	var calls int

	_, err := s.AnswerSurvey(context.Background(), "no/such", deliverTo(true, 3, "", &calls))
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestConcurrentAnswersAreHandedOverOnce(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("wf/survey", "tok-1", 24*time.Hour))
	var (
		mu       sync.Mutex
		handed   int
		wg       sync.WaitGroup
		outcomes = make([]error, 4)
	)
	for i := range outcomes {
		wg.Go(func() {
			_, outcomes[i] = s.AnswerSurvey(ctx, "wf/survey", func(context.Context, store.Survey) (store.SurveyAnswer, error) {
				mu.Lock()
				defer mu.Unlock()
				handed++
				return store.SurveyAnswer{Score: i + 1, Delivered: true}, nil
			})
		})
	}
	wg.Wait()

	require.Equal(t, 1, handed)
	var succeeded int
	for _, err := range outcomes {
		if err == nil {
			succeeded++
			continue
		}
		require.ErrorIs(t, err, store.ErrAlreadyAnswered)
	}
	require.Equal(t, 1, succeeded)
}

func TestSurveysForWorkflowListsItsSurveysWithAnswers(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	createSurvey(t, s, newSurvey("post-call/INT-1/first", "tok-1", 24*time.Hour))
	second := newSurvey("post-call/INT-1/second", "tok-2", 24*time.Hour)
	createSurvey(t, s, second)
	other := newSurvey("other/INT-2/survey", "tok-3", 24*time.Hour)
	other.WorkflowID = "other/INT-2"
	createSurvey(t, s, other)
	var calls int
	_, err := s.AnswerSurvey(ctx, "post-call/INT-1/second", deliverTo(true, 4, "", &calls))
	require.NoError(t, err)

	list, err := s.SurveysForWorkflow(ctx, "post-call/INT-1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "post-call/INT-1/first", list[0].ID)
	require.Nil(t, list[0].Answer)
	require.Equal(t, "post-call/INT-1/second", list[1].ID)
	require.Equal(t, 4, list[1].Answer.Score)
}
