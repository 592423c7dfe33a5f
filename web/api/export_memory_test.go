//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/api"
)

// insertAnswers writes n answered surveys of entry straight into the
// tables, as fast as PostgreSQL can: the test is about reading them.
func insertAnswers(t *testing.T, a *testAPI, entry string, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := a.store.DB().ExecContext(ctx, `
		INSERT INTO surveys (id, token_id, workflow_id, run_id, step_id, entry_id, interaction_id, channel, question,
			wait_until, expires_at, created_at, scale, sent_at, answered_at)
		SELECT $1 || '/INT-' || i || '/survey', $1 || '-' || i, $1 || '/INT-' || i, 'r', 'survey', $1, 'INT-' || i, 'sms',
			'How did we do?', now(), now(), now() - i * interval '1 second', '1-5', now(), now()
		FROM generate_series(1, $2) AS i`, entry, n)
	require.NoError(t, err)
	_, err = a.store.DB().ExecContext(ctx, `
		INSERT INTO survey_answers (survey_id, score, comment, delivered, answered_at, scale, entry_id, service, agent_id)
		SELECT $1 || '/INT-' || i || '/survey', 1 + i % 5, 'A comment of a customer, of some length, number ' || i, true,
			now() - i * interval '1 second', '1-5', $1, 'Billing Support', 'A-' || (i % 200)
		FROM generate_series(1, $2) AS i`, entry, n)
	require.NoError(t, err)
}

// exportPeak streams the CSV export of entry's answers over HTTP, reading
// it as it comes, and returns the lines read and the highest heap in use
// the process had meanwhile.
func exportPeak(t *testing.T, srv *httptest.Server, entry string) (lines int, peak uint64) {
	t.Helper()
	runtime.GC()
	var high atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > high.Load() {
				high.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/answers?entry="+entry, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("Accept", "text/csv")
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		lines++
	}
	require.NoError(t, sc.Err())
	close(done)
	wg.Wait()
	return lines, high.Load()
}

// TestExportStreamsInConstantMemory exports 20,000 and then 200,000
// answers through the real handler over HTTP: every answer arrives, and
// the heap the process needs does not grow with their number (a list of
// 200,000 answers built in memory would take some 60 MB more).
func TestExportStreamsInConstantMemory(t *testing.T) {
	a := newTestAPI(t)
	insertAnswers(t, a, "small", 20_000)
	insertAnswers(t, a, "big", 200_000)
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(api.New(api.Config{
		Service:  &usecase.Service{Store: a.store, Temporal: testenv.Temporal(t), TaskQueue: a.taskQueue, Signer: a.signer, Log: log},
		APIToken: apiToken, Log: log,
	}))
	defer srv.Close()

	exportPeak(t, srv, "small") // warms the pools and the caches
	smallLines, smallPeak := exportPeak(t, srv, "small")
	bigLines, bigPeak := exportPeak(t, srv, "big")
	t.Logf("heap at most %.1f MB exporting 20,000 answers, %.1f MB exporting 200,000", mb(smallPeak), mb(bigPeak))

	require.Equal(t, 20_001, smallLines, "a header and every answer")
	require.Equal(t, 200_001, bigLines)
	require.Less(t, mb(bigPeak), mb(smallPeak)+8, "the heap grew with the number of answers exported")
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
