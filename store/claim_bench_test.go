//go:build integration

package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// BenchmarkClaimRuns claims the run of a one-match event, as ingest does
// for every new event.
func BenchmarkClaimRuns(b *testing.B) {
	s, ctx := testenv.Store(b), context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := s.ClaimRuns(ctx, []store.Run{claim(fmt.Sprintf("a/INT-%d", i))}); err != nil {
			b.Fatal(err)
		}
	}
}
