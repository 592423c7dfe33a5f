//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// An attempt reads its clock before it waits for the customer's lock, so a
// send another attempt decided first may carry a later time than this
// one's: it is a send of the day all the same, and counts against the
// cap. The chaos soak found it: at the end of quiet hours every held send
// of a customer is decided at once, and one customer got 4 messages under
// a cap of 3.
func TestASendDecidedFirstCountsAgainstTheCapWhateverTheClockOfTheNext(t *testing.T) {
	tests := []struct {
		name string
		// clocks are the attempts' times, in the order they take the
		// lock, from noon.
		clocks []time.Duration
		cap    int
	}{
		{name: "the second attempt's clock read 200 ms earlier", clocks: []time.Duration{200 * time.Millisecond, 0}, cap: 1},
		{name: "every later attempt's clock read earlier", clocks: []time.Duration{3 * time.Second, 2 * time.Second, time.Second, 0}, cap: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := testenv.Store(t)
			ctx := context.Background()
			p := policy.Default()
			p.MaxPerDay = map[string]int{"sms": tt.cap}
			_, err := st.SavePolicy(ctx, p)
			require.NoError(t, err)

			var sent []string
			for i, c := range tt.clocks {
				d, err := st.DecideSend(ctx, attempt(fmt.Sprintf("k%d", i), "a", noon.Add(c)), decide)
				require.NoError(t, err)
				if d.Status == store.DeliveryPending {
					sent = append(sent, d.Key)
				}
			}

			require.Len(t, sent, tt.cap, "sent %v under a daily cap of %d", sent, tt.cap)
		})
	}
}

// The same at once: twelve workers whose clocks read a few milliseconds
// apart, in any order, decide sends to one customer; two pass a cap of two.
func TestConcurrentSendsWithClocksApartNeverPassTheDailyCapTogether(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p := policy.Default()
	p.MaxPerDay = map[string]int{"sms": 2}
	_, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)

	const workers = 12
	clocks := rand.Perm(workers)
	var wg sync.WaitGroup
	results := make([]store.Delivery, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			now := noon.Add(time.Duration(clocks[i]) * 10 * time.Millisecond)
			results[i], errs[i] = st.DecideSend(ctx, attempt(fmt.Sprintf("k%d", i), "a", now), decide)
		})
	}
	close(start)
	wg.Wait()
	sent := 0
	for i := range workers {
		require.NoError(t, errs[i])
		if results[i].Status == store.DeliveryPending {
			sent++
		}
	}
	require.Equal(t, 2, sent)
}
