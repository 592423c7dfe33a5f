//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
)

// A customer's new interaction stops their earlier runs of entries with
// cancel_on_new_interaction. A run still only claimed (its start not yet
// made, or made and not yet confirmed) cannot be told yet: it stays on the
// list, so the next interaction, or a retry of this one, tells it once it
// runs, instead of being marked stopped while it goes on to send.
func TestAClaimNotYetStartedIsNotMarkedStoppedByANewInteraction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	claimed, err := f.store.ClaimRuns(ctx, []store.Run{{WorkflowID: "survey/INT-earlier", EntryID: "survey", EntryVersion: 1,
		InteractionID: "INT-earlier", Trigger: "t", CustomerID: "C-5", CancelOnNewInteraction: true}})
	require.NoError(t, err)
	require.Empty(t, claimed[0].RunID, "claimed, not started")

	ev := event("Spam") // matches no entry: only "contacted again" runs
	ev.Customer = &interaction.Customer{ID: "C-5"}
	_, err = f.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)

	again, err := f.store.NewCustomerInteraction(ctx, "C-5", "INT-later")
	require.NoError(t, err)
	require.Len(t, again, 1, "the claim is still to be stopped")
	require.Equal(t, "survey/INT-earlier", again[0].WorkflowID)
}
