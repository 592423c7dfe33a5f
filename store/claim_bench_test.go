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
// for every new event; for an event naming a customer, also recording the
// customer's interaction and listing the runs it stops, as two statements
// (ClaimRuns, NewCustomerInteraction) and as the one ingest makes
// (ClaimRunsOfCustomer).
//
//	go test -tags integration -run '^$' -bench ClaimRuns ./store
func BenchmarkClaimRuns(b *testing.B) {
	s, ctx := testenv.Store(b), context.Background()
	i := 0
	next := func(customer string) store.Run {
		i++
		c := claim(fmt.Sprintf("a/INT-%d", i))
		c.InteractionID, c.CustomerID = fmt.Sprintf("INT-%d", i), customer
		return c
	}
	b.Run("no customer", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ClaimRuns(ctx, []store.Run{next("")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("customer, two statements", func(b *testing.B) {
		for b.Loop() {
			c := next(fmt.Sprintf("C-%d", i))
			if _, err := s.NewCustomerInteraction(ctx, c.CustomerID, c.InteractionID); err != nil {
				b.Fatal(err)
			}
			if _, err := s.ClaimRuns(ctx, []store.Run{c}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("customer, one statement", func(b *testing.B) {
		for b.Loop() {
			c := next(fmt.Sprintf("C-%d", i))
			if _, _, err := s.ClaimRunsOfCustomer(ctx, []store.Run{c}, c.CustomerID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
