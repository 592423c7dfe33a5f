package loadgen_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/client/loadgen"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/examples"
)

// fakeAPI answers every event with one started match and remembers the
// interaction ids and the most requests it had in flight at once.
type fakeAPI struct {
	mu          sync.Mutex
	ids         []string
	inFlight    int
	maxInFlight int
	// answer, when set, decides the answer to the n-th request (from 1).
	answer func(ctx context.Context, n int) error
}

func (f *fakeAPI) send(ctx context.Context, event json.RawMessage) (interaction.Result, error) {
	var ev interaction.Event
	if err := json.Unmarshal(event, &ev); err != nil {
		return interaction.Result{}, err
	}
	f.mu.Lock()
	f.ids = append(f.ids, ev.InteractionID)
	n := len(f.ids)
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.answer != nil {
		if err := f.answer(ctx, n); err != nil {
			return interaction.Result{}, err
		}
	}
	return interaction.Result{InteractionID: ev.InteractionID, Matches: []interaction.MatchResult{{Status: interaction.StatusStarted}}}, nil
}

func newEvents(t *testing.T, n int) *loadgen.Events {
	t.Helper()
	events, err := loadgen.NewEvents(examples.InteractionEnded, "3f9a1c2e", n)
	require.NoError(t, err)
	return events
}

func TestRunSendsEveryEventOnce(t *testing.T) {
	api := &fakeAPI{}

	s := loadgen.Run(context.Background(), newEvents(t, 100), loadgen.Config{Send: api.send, Concurrency: 8})

	require.Len(t, api.ids, 100)
	unique := map[string]bool{}
	for _, id := range api.ids {
		unique[id] = true
	}
	require.Len(t, unique, 100)
	require.Equal(t, 100, s.Sent)
	require.Equal(t, 100, s.Matches[interaction.StatusStarted])
	require.Zero(t, s.Failed())
}

func TestRunKeepsAtMostConcurrencyRequestsInFlight(t *testing.T) {
	api := &fakeAPI{}

	loadgen.Run(context.Background(), newEvents(t, 200), loadgen.Config{Send: api.send, Concurrency: 3})

	require.LessOrEqual(t, api.maxInFlight, 3)
}

func TestRunWithARateSendsEveryEvent(t *testing.T) {
	api := &fakeAPI{}

	s := loadgen.Run(context.Background(), newEvents(t, 5), loadgen.Config{Send: api.send, Concurrency: 2, Rate: 1000})

	require.Equal(t, 5, s.Sent)
}

// An open-loop run sends each event when it is due, not when the one
// before was answered, and counts an event's latency from when it was due:
// an event that waited behind a slow server shows the wait. Timed from its
// actual send instead, the events held back would look fast and the stall
// would show in one event at most (coordinated omission): each case's
// median is far above what the server took for most events.
func TestRunWithARateCountsLatencyFromTheIntendedSendTime(t *testing.T) {
	tests := []struct {
		name        string
		events      int
		concurrency int
		// answer is the server: it stalls as the case says.
		answer func(n int)
		// minMedian is the least the median can be when timed from the
		// intended send times; timed from the actual sends it is about
		// actualMedian.
		minMedian, actualMedian time.Duration
	}{
		{
			// Events 2 to 11 are due 10 to 100 ms in, but cannot go before
			// the first answer, 300 ms in: each waits at least 200 ms.
			name: "one answer stalls and the events due meanwhile wait for it", events: 11, concurrency: 1,
			answer: func(n int) {
				if n == 1 {
					time.Sleep(300 * time.Millisecond)
				}
			},
			minMedian: 200 * time.Millisecond, actualMedian: 0,
		},
		{
			// Two requests in flight and 50 ms each: 40 events/s where 100
			// are offered, so the sender falls further behind with every
			// event; the 10th goes at least 200 ms in, due 90 ms in.
			name: "the server is slower than the rate and the sender falls behind", events: 20, concurrency: 2,
			answer:    func(int) { time.Sleep(50 * time.Millisecond) },
			minMedian: 150 * time.Millisecond, actualMedian: 50 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{answer: func(_ context.Context, n int) error {
				tt.answer(n)
				return nil
			}}

			s := loadgen.Run(context.Background(), newEvents(t, tt.events), loadgen.Config{Send: api.send, Concurrency: tt.concurrency, Rate: 100})

			require.Equal(t, tt.events, s.Sent)
			require.Equal(t, 100.0, s.Rate)
			require.GreaterOrEqual(t, s.Latency.P50, tt.minMedian,
				"the median latency %s is what the server took (about %s), not what the events waited from when they were due",
				s.Latency.P50, tt.actualMedian)
		})
	}
}

func TestRunWithARateDoesNotWaitForAnswers(t *testing.T) {
	release := make(chan struct{})
	api := &fakeAPI{answer: func(ctx context.Context, n int) error {
		<-release // no answer until every event is out
		return nil
	}}
	events := 10
	go func() {
		for {
			api.mu.Lock()
			sent := len(api.ids)
			api.mu.Unlock()
			if sent == events {
				close(release)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()

	s := loadgen.Run(context.Background(), newEvents(t, events), loadgen.Config{Send: api.send, Concurrency: 100, Rate: 1000})

	require.Equal(t, events, s.Sent)
	require.Equal(t, events, api.maxInFlight, "every event went out before any answer came")
}

func TestRunRecordsFailedRequests(t *testing.T) {
	api := &fakeAPI{answer: func(_ context.Context, n int) error {
		if n%4 == 0 {
			return &apiclient.Error{Status: 503, Code: "unavailable", Message: "Temporal is unavailable"}
		}
		return nil
	}}

	s := loadgen.Run(context.Background(), newEvents(t, 20), loadgen.Config{Send: api.send, Concurrency: 1})

	require.Equal(t, 5, s.Failed())
	require.Equal(t, []loadgen.ErrorGroup{{Status: 503, Count: 5,
		Example: "event load-3f9a1c2e-000004: Temporal is unavailable (503 unavailable)"}}, s.Errors)
	require.Equal(t, 15, s.Matches[interaction.StatusStarted])
}

func TestRunStopsSendingWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &fakeAPI{answer: func(ctx context.Context, n int) error {
		if n == 3 {
			cancel()
		}
		return ctx.Err()
	}}

	s := loadgen.Run(ctx, newEvents(t, 1000), loadgen.Config{Send: api.send, Concurrency: 1})

	require.Less(t, s.Sent, 1000)
	require.Equal(t, 2, s.Matches[interaction.StatusStarted])
	require.Equal(t, s.Sent-2, s.Failed(), "the requests after the end fail with the context's error")
}

// progressWriter collects progress lines, safe to read while they come.
type progressWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *progressWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestRunReportsProgressWhileRequestsAreInFlight(t *testing.T) {
	progress := &progressWriter{}
	inFlight := regexp.MustCompile(`(?m)^load: +0s  sent 1/2  ok 0  errors 0  [0-9.]+ events/s  \[\.{30}\]   0%$`)
	api := &fakeAPI{answer: func(ctx context.Context, n int) error {
		// Hold the first request until a progress line shows it sent and
		// unanswered (a line may come out before it is counted as sent).
		for n == 1 && !inFlight.MatchString(progress.String()) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	loadgen.Run(ctx, newEvents(t, 2), loadgen.Config{Send: api.send, Concurrency: 1,
		Progress: progress, ProgressEvery: time.Millisecond})

	require.Regexp(t, inFlight, progress.String(), "a line while the first request was in flight")
	require.NoError(t, ctx.Err(), "the first request was held until such a line came")
}
