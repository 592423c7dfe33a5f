//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
)

// BenchmarkTheSendGap measures the one gap a send leaves
// (docs/guarantees.md, "The gap"): the write that records a message the
// provider accepted. A worker killed inside it sends the message again on
// the retry. It reports the write's p50, p99 and max.
//
//	go test -tags integration -run '^$' -bench TheSendGap ./store
func BenchmarkTheSendGap(b *testing.B) {
	st := testenv.Store(b)
	ctx := context.Background()
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
		_, err := st.DecideSend(ctx, attempt(keys[i], "a", noon), decide)
		require.NoError(b, err)
	}
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		_, err := st.MarkDelivered(ctx, keys[i], "SM1")
		took[i] = time.Since(start)
		require.NoError(b, err)
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(took[len(took)-1].Microseconds()), "max-µs")
}
