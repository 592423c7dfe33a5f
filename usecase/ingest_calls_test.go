//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/usecase"
)

// What one event costs, counted on the request's own calls (the
// background's go uncounted): in a starter whose background work runs, a
// one-match event makes one PostgreSQL statement (the claim, which also
// says whether an earlier delivery started the run) and one Temporal call
// (the start); the entries come from memory and the run ID is written in
// batches beside, as is the interaction kept for simulations. Without the
// background work, the entries' generation is checked, the run confirmed
// and the interaction kept on the request: four statements. An event
// naming a customer records the customer's interaction and lists the
// runs it stops (the contact policy's "contacted again") in the claim's
// statement, and in one statement of its own when it claims nothing.
func TestWhatAnEventCosts(t *testing.T) {
	tests := []struct {
		name       string
		background bool
		// statements of a new one-match event, of the same event again,
		// of an event matching nothing and of a dry run
		start, again, none, dry int
	}{
		{name: "starter with its background work", background: true, start: 1, again: 1, none: 0, dry: 1},
		{name: "service alone", background: false, start: 4, again: 3, none: 2, dry: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := &testenv.Calls{}
			st := testenv.CountingStore(t, calls)
			tc := testenv.CountingTemporal(t, calls)
			f := fixture{svc: &usecase.Service{Store: st, Temporal: tc, TaskQueue: testenv.TaskQueue(t)}, store: st, temporal: tc}
			f.addEntry(t, "survey", "Problem solved")
			f.addEntry(t, "spam-cleanup", "Spam")
			ctx, stop := context.WithCancel(context.Background())
			if tt.background {
				done, err := f.svc.StartBackground(ctx)
				require.NoError(t, err)
				t.Cleanup(func() { stop(); <-done })
			} else {
				t.Cleanup(stop)
			}
			ev := event("Problem solved")
			// The service has read the entries once (the starter does it
			// before serving); an event afterwards reads none.
			_, err := f.svc.Ingest(ctx, event("Approved"), false)
			require.NoError(t, err)

			calls.Reset()
			res, err := f.svc.Ingest(calls.Track(ctx), ev, false)
			require.NoError(t, err)
			f.terminateAtCleanup(t, res)
			require.Equal(t, interaction.StatusStarted, res.Matches[0].Status)
			require.Equal(t, tt.start, calls.Postgres(), "statements of a new one-match event")
			require.Equal(t, map[string]int{"StartWorkflowExecution": 1}, calls.Temporal())
			t.Logf("a new one-match event: %d PostgreSQL statements (%d prepared, once per connection), Temporal %v",
				calls.Postgres(), calls.Prepares(), calls.Temporal())

			// The batch writer confirms the run within milliseconds.
			require.Eventually(t, func() bool { _, err := f.store.Run(ctx, res.Matches[0].WorkflowID); return err == nil },
				10*time.Second, 5*time.Millisecond)
			calls.Reset()
			again, err := f.svc.Ingest(calls.Track(ctx), ev, false)
			require.NoError(t, err)
			require.Equal(t, interaction.StatusAlreadyStarted, again.Matches[0].Status)
			require.Equal(t, res.Matches[0].RunID, again.Matches[0].RunID)
			require.Equal(t, tt.again, calls.Postgres(), "statements of the same event again")
			require.Empty(t, calls.Temporal(), "the claim says the run started: Temporal is not asked")

			// An event naming a customer costs no statement more: its
			// claim records the customer's interaction and lists the runs
			// it stops.
			calls.Reset()
			withCustomer := event("Problem solved")
			withCustomer.Customer = &interaction.Customer{ID: "C-" + withCustomer.InteractionID}
			res, err = f.svc.Ingest(calls.Track(ctx), withCustomer, false)
			require.NoError(t, err)
			f.terminateAtCleanup(t, res)
			require.Equal(t, tt.start, calls.Postgres(), "statements of a new one-match event naming a customer")
			require.Equal(t, map[string]int{"StartWorkflowExecution": 1}, calls.Temporal())

			// One matching nothing has no claim to fold it into.
			calls.Reset()
			unmatched := event("Answer provided")
			unmatched.Customer = &interaction.Customer{ID: "C-" + unmatched.InteractionID}
			_, err = f.svc.Ingest(calls.Track(ctx), unmatched, false)
			require.NoError(t, err)
			require.Equal(t, tt.none+1, calls.Postgres(), "statements of an event naming a customer and matching nothing")

			calls.Reset()
			_, err = f.svc.Ingest(calls.Track(ctx), event("Answer provided"), false)
			require.NoError(t, err)
			require.Equal(t, tt.none, calls.Postgres(), "statements of an event matching nothing")
			require.Empty(t, calls.Temporal())

			calls.Reset()
			_, err = f.svc.Ingest(calls.Track(ctx), event("Problem solved"), true)
			require.NoError(t, err)
			require.Equal(t, tt.dry, calls.Postgres(), "statements of a dry run")
			require.Empty(t, calls.Temporal())
		})
	}
}
