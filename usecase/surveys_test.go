//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// surveyFixture is the survey use cases on a fresh database and the shared
// Temporal server, through a client that counts the survey answers handed
// to runs and lets a test act around each hand-over.
type surveyFixture struct {
	t         *testing.T
	svc       *usecase.Service
	store     *store.Store
	temporal  client.Client
	signer    *tokens.Signer
	taskQueue string
	updates   *updateSpy
}

func newSurveyFixture(t *testing.T) *surveyFixture {
	st, base := testenv.Store(t), testenv.Temporal(t)
	spy := &updateSpy{}
	opts := testenv.TemporalOptions(t)
	opts.Interceptors = []interceptor.ClientInterceptor{spy}
	spied, err := client.NewClientFromExisting(base, opts)
	require.NoError(t, err)
	t.Cleanup(spied.Close)
	f := &surveyFixture{t: t, store: st, temporal: base, signer: tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef")),
		taskQueue: testenv.TaskQueue(t), updates: spy}
	f.svc = &usecase.Service{Store: st, Temporal: spied, TaskQueue: f.taskQueue, Signer: f.signer,
		Log: slog.New(slog.NewTextHandler(t.Output(), nil))}
	return f
}

// updateSpy counts the survey-answer updates a client sends. before runs
// as each is about to go out, after once it came back.
type updateSpy struct {
	interceptor.ClientInterceptorBase
	mu            sync.Mutex
	sent          int
	before, after func()
}

func (s *updateSpy) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &updateSpyOutbound{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, spy: s}
}

func (s *updateSpy) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

type updateSpyOutbound struct {
	interceptor.ClientOutboundInterceptorBase
	spy *updateSpy
}

func (o *updateSpyOutbound) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	if in.UpdateName == workflows.SurveyAnswerUpdate {
		o.spy.mu.Lock()
		o.spy.sent++
		o.spy.mu.Unlock()
		if o.spy.before != nil {
			o.spy.before()
		}
		defer func() {
			if o.spy.after != nil {
				o.spy.after()
			}
		}()
	}
	return o.Next.UpdateWorkflow(ctx, in)
}

// openSurvey records a survey, as a send_survey step does, of a run with
// an ID no earlier test used, and returns its link's token.
func (f *surveyFixture) openSurvey(expiresIn time.Duration) (string, store.Survey) {
	f.t.Helper()
	workflowID := uniqueWorkflowID()
	tokenID, err := tokens.NewID()
	require.NoError(f.t, err)
	sv, err := f.store.CreateSurvey(context.Background(), store.Survey{
		ID: workflowID + "/survey", TokenID: tokenID, WorkflowID: workflowID, RunID: "run-1", StepID: "survey",
		EntryID: "post-call-survey", InteractionID: "INT-1", Channel: "email", Question: "How did we do?",
		WaitUntil: time.Now().Add(time.Hour), ExpiresAt: time.Now().Add(expiresIn),
	})
	require.NoError(f.t, err)
	return f.signer.Sign(tokenID), sv
}

// uniqueWorkflowID is a workflow ID no earlier test run used: they outlive
// the test's database on the shared Temporal server.
func uniqueWorkflowID() string { return "post-call-survey/" + event("").InteractionID }

// storedAnswer is the answer stored for sv, or nil.
func (f *surveyFixture) storedAnswer(sv store.Survey) *store.SurveyAnswer {
	f.t.Helper()
	got, err := f.store.SurveyByToken(context.Background(), sv.TokenID)
	require.NoError(f.t, err)
	return got.Answer
}

// answerQuery returns every answer a takeEveryAnswer run took.
const answerQuery = "answers"

// takeEveryAnswer stands in for a follow-up that would take any number of
// answers to its survey if they reached it, and says which did: only
// Temporal's once-per-update-ID stands between it and a second answer.
func takeEveryAnswer(ctx workflow.Context, surveyID string) error {
	var taken []workflows.SurveyAnswer
	if err := workflow.SetQueryHandler(ctx, answerQuery, func() ([]workflows.SurveyAnswer, error) { return taken, nil }); err != nil {
		return err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, workflows.SurveyAnswerUpdate,
		func(_ workflow.Context, a workflows.SurveyAnswer) (workflows.SurveyAnswer, error) {
			taken = append(taken, a)
			return a, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, a workflows.SurveyAnswer) error {
			if a.SurveyID != surveyID {
				return temporal.NewApplicationError("not waiting for this answer", workflows.ErrSurveyNotPending)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return false }) // until the test terminates it
}

// startRun runs takeEveryAnswer for sv on a worker of the test's queue.
func (f *surveyFixture) startRun(sv store.Survey) {
	f.t.Helper()
	w := worker.New(f.temporal, f.taskQueue, worker.Options{})
	w.RegisterWorkflow(takeEveryAnswer)
	require.NoError(f.t, w.Start())
	f.t.Cleanup(w.Stop)
	_, err := f.temporal.ExecuteWorkflow(context.Background(),
		client.StartWorkflowOptions{ID: sv.WorkflowID, TaskQueue: f.taskQueue}, takeEveryAnswer, sv.ID)
	require.NoError(f.t, err)
	f.t.Cleanup(func() {
		_ = f.temporal.TerminateWorkflow(context.Background(), sv.WorkflowID, "", "test finished")
	})
}

// takenBy returns the answers the run of sv took.
func (f *surveyFixture) takenBy(sv store.Survey) []workflows.SurveyAnswer {
	f.t.Helper()
	v, err := f.temporal.QueryWorkflow(context.Background(), sv.WorkflowID, "", answerQuery)
	require.NoError(f.t, err)
	var taken []workflows.SurveyAnswer
	require.NoError(f.t, v.Get(&taken))
	return taken
}

// barrier holds each of n callers until all n have arrived.
func barrier(n int) func() {
	var (
		mu      sync.Mutex
		arrived int
		all     = make(chan struct{})
	)
	return func() {
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		<-all
	}
}

func TestOpenSurveyRefusesLinksThatAreNotValid(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	f.openSurvey(24 * time.Hour)
	unknownID, err := tokens.NewID()
	require.NoError(t, err)
	tests := []struct {
		name  string
		token string
	}{
		{"forged", tokens.NewSigner([]byte("another key, another server......")).Sign(unknownID)},
		{"malformed", "not-a-token"},
		{"signed but unknown", f.signer.Sign(unknownID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.OpenSurvey(context.Background(), tt.token)
			require.ErrorIs(t, err, usecase.ErrInvalidLink)

			_, err = f.svc.AnswerSurvey(context.Background(), tt.token, workflows.SurveyAnswer{Score: 5})
			require.ErrorIs(t, err, usecase.ErrInvalidLink)
		})
	}
	require.Zero(t, f.updates.count(), "nothing is handed to any run")
}

func TestAnswerSurveyPastItsExpiryIsClosed(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(-time.Minute)

	_, err := f.svc.AnswerSurvey(context.Background(), token, workflows.SurveyAnswer{Score: 3})

	require.ErrorIs(t, err, usecase.ErrClosed)
	require.Zero(t, f.updates.count(), "not handed to the run")
	require.Nil(t, f.storedAnswer(sv))
}

func TestAnswerSurveyTwiceIsAnsweredAndNotHandedOverAgain(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(24 * time.Hour)
	ctx := context.Background()
	_, err := f.svc.AnswerSurvey(ctx, token, workflows.SurveyAnswer{Score: 5})
	require.NoError(t, err)

	_, err = f.svc.AnswerSurvey(ctx, token, workflows.SurveyAnswer{Score: 1, Comment: "changed my mind"})

	require.ErrorIs(t, err, usecase.ErrAnswered)
	require.Equal(t, 1, f.updates.count(), "the second answer is not handed to the run")
	require.Equal(t, 5, f.storedAnswer(sv).Score)
}

func TestAnswerSurveyOutOfBoundsNamesTheField(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(24 * time.Hour)

	_, err := f.svc.AnswerSurvey(context.Background(), token, workflows.SurveyAnswer{Score: 6})

	require.Equal(t, "score", validation.First(err).Path)
	require.Zero(t, f.updates.count())
	require.Nil(t, f.storedAnswer(sv))
}

// Once the run has the answer, it is stored even though the caller's
// deadline passed while the run was taking it.
func TestAnswerSurveyIsStoredEvenWhenTheCallerGivesUpDuringTheHandOver(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(24 * time.Hour)
	f.startRun(sv)
	ctx, giveUp := context.WithCancel(context.Background())
	f.updates.after = giveUp

	stored, err := f.svc.AnswerSurvey(ctx, token, workflows.SurveyAnswer{Score: 3, Comment: "in time"})

	require.NoError(t, err)
	require.Equal(t, 3, stored.Score)
	require.Equal(t, []workflows.SurveyAnswer{{SurveyID: sv.ID, Score: 3, Comment: "in time"}}, f.takenBy(sv))
	got := f.storedAnswer(sv)
	require.NotNil(t, got)
	require.Equal(t, 3, got.Score)
	require.True(t, got.Delivered)
}

// Answers racing each other all get past the first read, then race to the
// run and to the store: the run takes one, one caller succeeds with it, the
// others hear the survey is answered, and the store holds what the run took.
func TestConcurrentFirstAnswersReachTheRunOnce(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(24 * time.Hour)
	f.startRun(sv)
	const racers = 8
	f.updates.before = barrier(racers)
	type outcome struct {
		stored usecase.AnswerView
		err    error
	}
	var (
		wg       sync.WaitGroup
		outcomes = make([]outcome, racers)
	)
	for i := range outcomes {
		wg.Go(func() {
			a := workflows.SurveyAnswer{Score: i%5 + 1, Comment: fmt.Sprintf("racer %d", i)}
			outcomes[i].stored, outcomes[i].err = f.svc.AnswerSurvey(context.Background(), token, a)
		})
	}
	wg.Wait()

	taken := f.takenBy(sv)
	require.Len(t, taken, 1, "one answer reached the run")
	require.Equal(t, racers, f.updates.count(), "every racer got past the first read")
	stored := f.storedAnswer(sv)
	require.Equal(t, taken[0].Score, stored.Score)
	require.Equal(t, taken[0].Comment, stored.Comment)
	require.True(t, stored.Delivered)
	var succeeded int
	for _, o := range outcomes {
		if o.err != nil {
			require.ErrorIs(t, o.err, usecase.ErrAnswered)
			continue
		}
		succeeded++
		require.Equal(t, usecase.AnswerView{Score: stored.Score, Comment: stored.Comment, Late: !stored.Delivered, AnsweredAt: stored.AnsweredAt}, o.stored)
	}
	require.Equal(t, 1, succeeded)
}

// With no run to take them, racing answers are all late: the first stored
// stays and its caller alone succeeds.
func TestConcurrentLateAnswersStoreOne(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(24 * time.Hour) // of a run that does not exist
	const racers = 8
	f.updates.before = barrier(racers)
	type outcome struct {
		stored usecase.AnswerView
		err    error
	}
	var (
		wg       sync.WaitGroup
		outcomes = make([]outcome, racers)
	)
	for i := range outcomes {
		wg.Go(func() {
			a := workflows.SurveyAnswer{Score: i%5 + 1, Comment: fmt.Sprintf("racer %d", i)}
			outcomes[i].stored, outcomes[i].err = f.svc.AnswerSurvey(context.Background(), token, a)
		})
	}
	wg.Wait()

	stored := f.storedAnswer(sv)
	require.NotNil(t, stored)
	require.False(t, stored.Delivered)
	var succeeded int
	for _, o := range outcomes {
		if o.err != nil {
			require.ErrorIs(t, o.err, usecase.ErrAnswered)
			continue
		}
		succeeded++
		require.Equal(t, usecase.AnswerView{Score: stored.Score, Comment: stored.Comment, Late: !stored.Delivered, AnsweredAt: stored.AnsweredAt}, o.stored)
	}
	require.Equal(t, 1, succeeded)
}

// A run minutes behind its workflow tasks (a worker crashed, the others'
// tasks come first) takes an answer only after every request for it has
// timed out. The customer may give up; the starter finishes the hand-over
// and stores what the run took, so the run and the store agree. The chaos
// soak found the answers it gave up on in the run and not in the store.
func TestAnswerSurveyTakenAfterTheCallerGaveUpIsStored(t *testing.T) {
	t.Parallel()
	f := newSurveyFixture(t)
	token, sv := f.openSurvey(24 * time.Hour)
	// The run exists, but no worker takes its workflow tasks yet.
	_, err := f.temporal.ExecuteWorkflow(context.Background(),
		client.StartWorkflowOptions{ID: sv.WorkflowID, TaskQueue: f.taskQueue}, takeEveryAnswer, sv.ID)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = f.temporal.TerminateWorkflow(context.Background(), sv.WorkflowID, "", "test finished")
	})
	ctx, giveUp := context.WithTimeout(context.Background(), 2*time.Second)
	defer giveUp()

	_, err = f.svc.AnswerSurvey(ctx, token, workflows.SurveyAnswer{Score: 2, Comment: "slow"})

	require.ErrorIs(t, err, usecase.ErrUnavailable, "the customer is asked to try again")
	require.Nil(t, f.storedAnswer(sv))
	w := worker.New(f.temporal, f.taskQueue, worker.Options{})
	w.RegisterWorkflow(takeEveryAnswer)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	require.Eventually(t, func() bool { return f.storedAnswer(sv) != nil }, 30*time.Second, 100*time.Millisecond,
		"the answer the run took is stored though its caller gave up")
	got := f.storedAnswer(sv)
	require.Equal(t, 2, got.Score)
	require.True(t, got.Delivered)
	require.Equal(t, []workflows.SurveyAnswer{{SurveyID: sv.ID, Score: 2, Comment: "slow"}}, f.takenBy(sv))
}
