//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func newDelivery(key string) store.Delivery {
	return store.Delivery{Key: key, WorkflowID: "wf-1", StepID: "step-1", Channel: "email", Recipient: "ada@example.com"}
}

func TestBeginDeliveryRecordsAPendingFirstAttempt(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()

	d, err := s.BeginDelivery(ctx, newDelivery("wf-1/step-1"))
	require.NoError(t, err)
	require.Equal(t, store.DeliveryPending, d.Status)
	require.Equal(t, 1, d.Attempts)
	require.Equal(t, "ada@example.com", d.Recipient)
	require.Nil(t, d.SentAt)
}

func TestBeginDeliveryCountsEachAttemptUntilSent(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	require.NoError(t, s.MarkDeliveryFailed(ctx, "k", "451 try later", false))

	d, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	require.Equal(t, 2, d.Attempts)
	require.Equal(t, store.DeliveryPending, d.Status)
	require.Equal(t, "451 try later", d.LastError, "the last error stays visible until the next outcome")
}

func TestBeginDeliveryReturnsASentDeliveryUntouched(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	sent, err := s.MarkDelivered(ctx, "k", "SM123")
	require.NoError(t, err)

	d, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	require.Equal(t, sent, d)
}

func TestMarkDeliveredRecordsTheProviderID(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	require.NoError(t, s.MarkDeliveryFailed(ctx, "k", "timeout", false))

	d, err := s.MarkDelivered(ctx, "k", "SM123")
	require.NoError(t, err)
	require.Equal(t, store.DeliverySent, d.Status)
	require.Equal(t, "SM123", d.ProviderID)
	require.Empty(t, d.LastError)
	require.NotNil(t, d.SentAt)
}

// A delivery is recorded as sent once: a second record of it (the retry
// of the record itself, or a copy sent again through the documented gap
// and recorded by its attempt) keeps the first record's time and provider
// id, which say when and as what the message was first known to be sent.
// The chaos soak judges a duplicate by that time.
func TestMarkDeliveredAgainKeepsTheFirstRecord(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	first, err := s.MarkDelivered(ctx, "k", "SM-first")
	require.NoError(t, err)
	time.Sleep(10 * time.Millisecond) // now() moves on

	again, err := s.MarkDelivered(ctx, "k", "SM-second")

	require.NoError(t, err)
	require.Equal(t, store.DeliverySent, again.Status)
	require.Equal(t, "SM-first", again.ProviderID)
	require.NotNil(t, again.SentAt)
	require.True(t, first.SentAt.Equal(*again.SentAt), "sent at %s, first recorded at %s", again.SentAt, first.SentAt)
	list, err := s.Deliveries(ctx, "wf-1")
	require.NoError(t, err)
	kept := findDelivery(t, list, "k")
	require.Equal(t, "SM-first", kept.ProviderID)
	require.True(t, first.SentAt.Equal(*kept.SentAt))
}

func TestMarkDeliveryFailed(t *testing.T) {
	tests := []struct {
		name       string
		permanent  bool
		wantStatus string
	}{
		{name: "permanent failure fails the delivery", permanent: true, wantStatus: store.DeliveryFailed},
		{name: "transient failure keeps it pending", permanent: false, wantStatus: store.DeliveryPending},
	}
	s, ctx := testenv.Store(t), context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.BeginDelivery(ctx, newDelivery(tt.name))
			require.NoError(t, err)

			require.NoError(t, s.MarkDeliveryFailed(ctx, tt.name, "550 no such user", tt.permanent))

			list, err := s.Deliveries(ctx, "wf-1")
			require.NoError(t, err)
			d := findDelivery(t, list, tt.name)
			require.Equal(t, tt.wantStatus, d.Status)
			require.Equal(t, "550 no such user", d.LastError)
		})
	}
}

func TestMarkDeliveryFailedLeavesASentDeliveryAlone(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	_, err := s.BeginDelivery(ctx, newDelivery("k"))
	require.NoError(t, err)
	_, err = s.MarkDelivered(ctx, "k", "SM123")
	require.NoError(t, err)

	err = s.MarkDeliveryFailed(ctx, "k", "late error", true)
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err := s.Deliveries(ctx, "wf-1")
	require.NoError(t, err)
	require.Equal(t, store.DeliverySent, findDelivery(t, list, "k").Status)
}

func TestMarkingAnUnknownDeliveryIsNotFound(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()

	_, err := s.MarkDelivered(ctx, "nope", "SM1")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, s.MarkDeliveryFailed(ctx, "nope", "x", false), store.ErrNotFound)
}

func TestDeliveriesListsOnlyTheWorkflowsOwnOldestFirst(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	for _, d := range []store.Delivery{
		{Key: "a/1", WorkflowID: "a", StepID: "1", Channel: "email", Recipient: "ada@example.com"},
		{Key: "b/1", WorkflowID: "b", StepID: "1", Channel: "sms", Recipient: "+15551234567"},
		{Key: "a/2", WorkflowID: "a", StepID: "2", Channel: "sms", Recipient: "+15551234567"},
	} {
		_, err := s.BeginDelivery(ctx, d)
		require.NoError(t, err)
	}

	list, err := s.Deliveries(ctx, "a")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "a/1", list[0].Key)
	require.Equal(t, "a/2", list[1].Key)
}

func findDelivery(t *testing.T, list []store.Delivery, key string) store.Delivery {
	t.Helper()
	for _, d := range list {
		if d.Key == key {
			return d
		}
	}
	require.FailNowf(t, "delivery not listed", "no delivery %q in %+v", key, list)
	return store.Delivery{}
}
