//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// hangingTemporal is a Temporal frontend that takes connections and
// requests and answers no update: Temporal as an overloaded cluster is to
// its callers. It answers GetSystemInfo, so the client gets as far as
// sending the update, and holds every update until let go.
type hangingTemporal struct {
	workflowservice.UnimplementedWorkflowServiceServer
	addr    string
	held    atomic.Int32
	letGo   chan struct{}
	release sync.Once
}

func startHangingTemporal(t *testing.T) *hangingTemporal {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := &hangingTemporal{addr: l.Addr().String(), letGo: make(chan struct{})}
	srv := grpc.NewServer()
	workflowservice.RegisterWorkflowServiceServer(srv, h)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		h.letGoAll()
		srv.Stop()
	})
	return h
}

func (h *hangingTemporal) GetSystemInfo(context.Context, *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	return &workflowservice.GetSystemInfoResponse{}, nil
}

func (h *hangingTemporal) UpdateWorkflowExecution(ctx context.Context, _ *workflowservice.UpdateWorkflowExecutionRequest) (*workflowservice.UpdateWorkflowExecutionResponse, error) {
	h.held.Add(1)
	defer h.held.Add(-1)
	select {
	case <-h.letGo:
	case <-ctx.Done():
	}
	return nil, status.Error(codes.DeadlineExceeded, "the test's Temporal never answers in time")
}

// letGoAll answers every held update, and any later one, with a deadline
// error.
func (h *hangingTemporal) letGoAll() { h.release.Do(func() { close(h.letGo) }) }

// While Temporal hangs, customers' answers wait on it holding no database
// connection and no lock, so the rest of ccflow reads and writes as usual.
// (Before answers flowed one way, each held a pooled connection and a row
// lock for as long as Temporal took: 24 waiting answers held all 20 and
// the entry list waited behind them.)
func TestAnswersWaitingOnAHangingTemporalLeaveThePoolFree(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	hanging := startHangingTemporal(t)
	tc, err := client.NewLazyClient(client.Options{HostPort: hanging.addr})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	signer := tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	svc := &usecase.Service{Store: st, Temporal: tc, Signer: signer, Log: slog.New(slog.NewTextHandler(t.Output(), nil))}
	ctx := context.Background()
	f := fixture{store: st}
	f.addEntry(t, "survey", "Problem solved")

	const answers = 24 // more than the pool's 20 connections
	links, surveys := make([]string, answers), make([]store.Survey, answers)
	for i := range answers {
		tokenID, err := tokens.NewID()
		require.NoError(t, err)
		workflowID := uniqueWorkflowID()
		surveys[i], err = st.CreateSurvey(ctx, store.Survey{
			ID: workflowID + "/survey", TokenID: tokenID, WorkflowID: workflowID, RunID: "run-1", StepID: "survey",
			EntryID: "survey", InteractionID: "INT-1", Channel: "email", Question: "How did we do?",
			WaitUntil: time.Now().Add(time.Hour), ExpiresAt: time.Now().Add(24 * time.Hour),
		})
		require.NoError(t, err)
		links[i] = signer.Sign(tokenID)
	}

	errs := make(chan error, answers)
	for i := range answers {
		go func() {
			_, err := svc.AnswerSurvey(ctx, links[i], workflows.SurveyAnswer{Score: 4})
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return hanging.held.Load() == answers },
		30*time.Second, 10*time.Millisecond, "every answer gets as far as Temporal")

	waiting := st.DB().Stats()
	require.Zero(t, waiting.InUse, "no answer holds a connection while Temporal hangs")
	listedAt := time.Now()
	entries, err := svc.Entries(ctx)
	listed := time.Since(listedAt)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.EqualValues(t, answers, hanging.held.Load(), "the entries were listed while every answer still waited")
	require.Empty(t, errs, "no answer has come back yet")
	after := st.DB().Stats()
	require.Equal(t, waiting.WaitCount, after.WaitCount, "listing the entries did not wait for a connection")
	t.Logf("%d answers waiting on Temporal: pool %d in use, %d idle, %d open of %d; listing entries took %s and waited for no connection",
		answers, waiting.InUse, waiting.Idle, waiting.OpenConnections, waiting.MaxOpenConnections, listed)

	hanging.letGoAll()
	for range answers {
		require.ErrorIs(t, <-errs, usecase.ErrUnavailable)
	}
	for _, sv := range surveys {
		got, err := st.SurveyByToken(ctx, sv.TokenID)
		require.NoError(t, err)
		require.Nil(t, got.Answer, "nothing stored: the customer can answer again")
	}
}
