//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func TestRecordedInteractionsArePagedInTheOrderTheyEnded(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var list []store.RecordedInteraction
	for i := range 7 {
		// Two end together, to page through a tie.
		at := base.Add(time.Duration(i/2) * time.Hour)
		list = append(list, store.RecordedInteraction{InteractionID: fmt.Sprintf("INT-%d", 9-i), CustomerID: "C-1", EndedAt: at,
			Event: []byte(fmt.Sprintf(`{"n": %d}`, i))})
	}
	require.NoError(t, st.RecordInteractions(ctx, list))
	again := list[0]
	again.Event = []byte(`{"changed": true}`)
	require.NoError(t, st.RecordInteractions(ctx, []store.RecordedInteraction{again}), "the same event again")

	from, to := base, base.Add(3*time.Hour) // the 7th ended at 3h: left out
	n, err := st.CountRecordedInteractions(ctx, from, to, 100)
	require.NoError(t, err)
	require.Equal(t, 6, n)
	capped, err := st.CountRecordedInteractions(ctx, from, to, 4)
	require.NoError(t, err)
	require.Equal(t, 4, capped, "the count stops at the limit")

	var got []string
	var after store.RecordedAfter
	for {
		page, err := st.RecordedInteractions(ctx, from, to, after, 4)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			got = append(got, r.InteractionID)
		}
		last := page[len(page)-1]
		after = store.RecordedAfter{EndedAt: last.EndedAt, InteractionID: last.InteractionID}
	}
	require.Equal(t, []string{"INT-8", "INT-9", "INT-6", "INT-7", "INT-4", "INT-5"}, got)
	first, err := st.RecordedInteractions(ctx, from, to, store.RecordedAfter{}, 1)
	require.NoError(t, err)
	require.JSONEq(t, `{"n": 1}`, string(first[0].Event))
	kept, err := st.RecordedInteractions(ctx, from, to, store.RecordedAfter{EndedAt: base, InteractionID: "INT-8"}, 1)
	require.NoError(t, err)
	require.Equal(t, "INT-9", kept[0].InteractionID)
	require.JSONEq(t, `{"n": 0}`, string(kept[0].Event), "the first keeping stays")
}

func TestContactFactsReadTheRecipientsWithoutWritingOrLocking(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	hash := linkkeys.ForProcess().Addresses.Hash
	ada := writeCustomer(t, st, "C-77", "+15551234567")
	writeCustomer(t, st, "C-78", "+15557654321")
	require.NoError(t, st.RecordCustomerInteraction(ctx, "C-77", "INT-later"))
	before := count(t, st, "deliveries", "true")

	// A transaction holds the customer's lock, as DecideSend does: the
	// read does not wait for it.
	tx, err := st.DB().Beginx()
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "ccflow-customer:C-77")
	require.NoError(t, err)
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()

	f, err := st.ContactFacts(readCtx, store.ContactFactsQuery{
		AddressHashes: []string{hash("+15551234567"), hash("nobody@example.com")},
		CustomerKeys:  []string{"C-77"},
		CustomerIDs:   []string{"C-77"},
		Since:         time.Now().Add(-time.Hour),
	})

	require.NoError(t, err)
	require.Equal(t, []store.OptOutFact{{Channel: "sms", AddressHash: hash("+15551234567")}}, f.OptOuts)
	require.Len(t, f.Sends, 1, "the SMS counted against the customer; the ops email counts against its address")
	require.Equal(t, ada.workflowID+"/sms", f.Sends[0].Key)
	require.Equal(t, "sms", f.Sends[0].Channel)
	var ids []string
	for _, i := range f.Interactions {
		ids = append(ids, i.InteractionID)
	}
	require.ElementsMatch(t, []string{"INT-C-77", "INT-later"}, ids)
	require.Equal(t, before, count(t, st, "deliveries", "true"))

	none, err := st.ContactFacts(ctx, store.ContactFactsQuery{CustomerKeys: []string{"C-77"}, Since: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.Empty(t, none.Sends, "a send decided before Since is not read")
}
