//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

var noon = time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) // 12:00 in New York

func attempt(key, owner string, now time.Time) store.SendAttempt {
	return store.SendAttempt{
		Delivery: store.Delivery{Key: key, WorkflowID: "wf/" + key, StepID: "s", Channel: "sms", Recipient: "+15551234567",
			CustomerKey: "C-77", EntryID: "post-call-survey", AddressHash: linkkeys.ForProcess().Addresses.Hash("+15551234567")},
		Owner: owner, LeaseFor: 30 * time.Second, Now: now,
		CustomerID: "C-77", InteractionID: "INT-1", RunStartedAt: now.Add(-time.Hour),
		Request: policy.Request{CustomerTimeZone: "America/New_York"},
	}
}

func decide(p policy.Policy, r policy.Request) policy.Decision { return p.Decide(r, "UTC") }

func TestDecideSendRecordsTheDecisionAndARetryGetsItBack(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	night := time.Date(2026, 12, 1, 4, 10, 0, 0, time.UTC) // 23:10 in New York

	held, err := st.DecideSend(ctx, attempt("k", "a1", night), decide)
	require.NoError(t, err)
	require.Equal(t, store.DeliveryHeld, held.Status)
	require.Equal(t, "quiet hours until 2026-12-01 08:00 America/New_York", held.Reason)
	require.Equal(t, 0, held.Attempts, "a held send is no attempt at the provider")

	again, err := st.DecideSend(ctx, attempt("k", "a2", night.Add(time.Minute)), decide)
	require.NoError(t, err)
	require.Equal(t, held.Reason, again.Reason, "a retry before the window opens is held the same")

	due, err := st.DecideSend(ctx, attempt("k", "a3", *held.HoldUntil), decide)
	require.NoError(t, err)
	require.Equal(t, store.DeliveryPending, due.Status)
	require.Equal(t, "send", due.Decision)
	require.Equal(t, "a3", due.LeaseOwner)
	require.Equal(t, 1, due.Attempts)

	_, err = st.DecideSend(ctx, attempt("k", "a4", held.HoldUntil.Add(time.Second)), decide)
	require.ErrorIs(t, err, store.ErrLeased, "another attempt's lease keeps this one from the provider")

	_, err = st.MarkDelivered(ctx, "k", "SM1")
	require.NoError(t, err)
	sent, err := st.DecideSend(ctx, attempt("k", "a5", held.HoldUntil.Add(time.Hour)), decide)
	require.NoError(t, err)
	require.Equal(t, store.DeliverySent, sent.Status, "a sent delivery comes back as it is")
}

func TestDecideSendSkipsOptedOutAddressesAndCustomersWhoContactedAgain(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a := attempt("opted", "a1", noon)
	_, _, err := st.AddSuppression(ctx, store.Suppression{Channel: "sms", AddressHash: a.Delivery.AddressHash, Source: store.SourceAPI})
	require.NoError(t, err)
	d, err := st.DecideSend(ctx, a, decide)
	require.NoError(t, err)
	require.Equal(t, store.DeliverySkipped, d.Status)
	require.Equal(t, "opted out", d.Reason)
	require.NoError(t, st.RemoveSuppression(ctx, "sms", []string{a.Delivery.AddressHash}))
	d, err = st.DecideSend(ctx, a, decide)
	require.NoError(t, err)
	require.Equal(t, "opted out", d.Reason, "a skipped send stays skipped")

	require.NoError(t, st.RecordCustomerInteraction(ctx, "C-77", "INT-1"))
	require.NoError(t, st.RecordCustomerInteraction(ctx, "C-77", "INT-2"))
	b := attempt("again", "b1", noon)
	b.Delivery.AddressHash = linkkeys.ForProcess().Addresses.Hash("+15550000000")
	b.Request.CancelOnNewInteraction = true
	d, err = st.DecideSend(ctx, b, decide)
	require.NoError(t, err)
	require.Equal(t, "customer contacted again (INT-2)", d.Reason)
}

// Two workers sending to one customer at once never both pass a cap: the
// customer's advisory lock makes them take turns.
func TestConcurrentSendsNeverPassTheDailyCapTogether(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p := policy.Default()
	p.MaxPerDay = map[string]int{"sms": 2}
	_, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)

	const workers = 12
	var wg sync.WaitGroup
	results := make([]store.Delivery, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			results[i], errs[i] = st.DecideSend(ctx, attempt(fmt.Sprintf("k%d", i), "a", noon), decide)
		})
	}
	close(start)
	wg.Wait()
	sent := 0
	for i := range workers {
		require.NoError(t, errs[i])
		switch results[i].Status {
		case store.DeliveryPending:
			sent++
		default:
			require.Equal(t, "daily cap 2 reached", results[i].Reason)
		}
	}
	require.Equal(t, 2, sent)
}

// An attempt reads Now before it waits for the customer's lock; with a
// Clock, its decision is stamped under the lock, just before it reads the
// facts. So a decision that waited for another is stamped after it
// although its Now is earlier, a skip for an opt-out made while it waited
// is stamped after the opt-out, and the send decided before the opt-out
// is stamped before it: the stamps tell the order things happened in, as
// the soak's judge reads them.
func TestDecideSendStampsTheDecisionUnderTheCustomersLock(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()

	holding, release := make(chan struct{}), make(chan struct{})
	hold := func(p policy.Policy, r policy.Request) policy.Decision {
		close(holding)
		<-release
		return decide(p, r)
	}
	// Email, which has no quiet hours, so the test holds at any hour.
	onEmail := func(a store.SendAttempt) store.SendAttempt {
		a.Delivery.Channel, a.Clock = "email", time.Now
		return a
	}
	first := onEmail(attempt("first", "a", time.Now().Add(time.Second)))
	type result struct {
		d   store.Delivery
		err error
	}
	firstDone, secondDone := make(chan result, 1), make(chan result, 1)
	go func() {
		d, err := st.DecideSend(ctx, first, hold)
		firstDone <- result{d, err}
	}()
	<-holding

	second := onEmail(attempt("second", "b", time.Now()))
	go func() {
		d, err := st.DecideSend(ctx, second, decide)
		secondDone <- result{d, err}
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := st.DB().GetContext(ctx, &waiting, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)
		return err == nil && waiting == 1
	}, 10*time.Second, 5*time.Millisecond, "the second attempt waits for the customer's lock")

	_, _, err := st.AddSuppression(ctx, store.Suppression{Channel: "email", AddressHash: second.Delivery.AddressHash, Source: store.SourceAPI})
	require.NoError(t, err)
	optedOut := time.Now()
	close(release)

	f, s := <-firstDone, <-secondDone
	require.NoError(t, f.err)
	require.NoError(t, s.err)
	require.Equal(t, store.DeliveryPending, f.d.Status, "the first decided before the opt-out")
	require.Equal(t, store.DeliverySkipped, s.d.Status)
	require.Equal(t, "opted_out", s.d.ReasonCode)
	require.True(t, s.d.DecidedAt.After(*f.d.DecidedAt), "decided %s after the first's %s", s.d.DecidedAt, f.d.DecidedAt)
	require.True(t, s.d.DecidedAt.After(optedOut), "the skip is stamped %s, after the opt-out it saw (%s)", s.d.DecidedAt, optedOut)
	require.True(t, f.d.DecidedAt.Before(optedOut), "the send is stamped %s, before the opt-out it did not see (%s)", f.d.DecidedAt, optedOut)
	require.True(t, f.d.LeaseUntil.Before(first.Now.Add(first.LeaseFor)), "the lease runs from the decision")
}

// An opt-out made between the decision's first reading of its clock and
// its reading of the facts (the soak saw one: a worker descheduled for a
// millisecond on a busy machine) is seen, and the skip is stamped after
// it, not with the reading before it.
func TestAnOptOutSkipIsStampedAfterTheOptOutItSaw(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a := attempt("k", "a", time.Now())
	a.Delivery.Channel = "email" // no quiet hours: the test holds at any hour
	var optedOut time.Time
	readings := 0
	a.Clock = func() time.Time {
		readings++
		now := time.Now()
		if readings == 1 {
			_, _, err := st.AddSuppression(ctx, store.Suppression{Channel: "email", AddressHash: a.Delivery.AddressHash, Source: store.SourceAPI})
			require.NoError(t, err)
			optedOut = time.Now()
		}
		return now
	}

	d, err := st.DecideSend(ctx, a, decide)

	require.NoError(t, err)
	require.Equal(t, "opted_out", d.ReasonCode)
	require.True(t, d.DecidedAt.After(optedOut), "the skip is stamped %s, after the opt-out it saw (%s)", d.DecidedAt, optedOut)
}

func TestSurveyGraceCountsSurveysOfEveryEntryAndChannel(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p := policy.Default()
	p.SurveyGrace = "30d"
	_, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)
	first := attempt("s1", "a", noon.Add(-10*24*time.Hour))
	first.Delivery.Survey, first.Delivery.Channel = true, "email"
	d, err := st.DecideSend(ctx, first, decide)
	require.NoError(t, err)
	require.Equal(t, store.DeliveryPending, d.Status)
	_, err = st.MarkDelivered(ctx, "s1", "m1")
	require.NoError(t, err)

	second := attempt("s2", "a", noon)
	second.Delivery.Survey, second.Delivery.EntryID = true, "other-entry"
	d, err = st.DecideSend(ctx, second, decide)
	require.NoError(t, err)
	require.Equal(t, "survey grace: surveyed 2026-11-20 by entry post-call-survey", d.Reason)
}

func TestPolicyIsTheDefaultUntilSaved(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p, err := st.Policy(ctx)
	require.NoError(t, err)
	require.Equal(t, policy.Default(), p)
	p.TimeZone = "America/Chicago"
	saved, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)
	require.False(t, saved.UpdatedAt.IsZero())
	got, err := st.Policy(ctx)
	require.NoError(t, err)
	require.Equal(t, "America/Chicago", got.TimeZone)
	require.True(t, saved.UpdatedAt.Equal(got.UpdatedAt))
}

func TestSMSStatusesNeverGoBack(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	_, err := st.DecideSend(ctx, attempt("k", "a", noon), decide)
	require.NoError(t, err)
	_, err = st.MarkDelivered(ctx, "k", "SM9")
	require.NoError(t, err)
	for _, s := range []string{"queued", "delivered", "sent"} {
		ok, err := st.RecordSMSStatus(ctx, "SM9", s, "")
		require.NoError(t, err)
		require.True(t, ok)
	}
	ok, err := st.RecordSMSStatus(ctx, "SM9", "exploded", "")
	require.NoError(t, err)
	require.False(t, ok)
	statuses, err := st.SMSStatuses(ctx, "wf/k")
	require.NoError(t, err)
	require.Equal(t, "delivered", statuses["SM9"].Status)
}

func TestANewInteractionStopsTheCustomersFlaggedRunsOfOtherInteractions(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	for _, r := range []store.Run{
		{WorkflowID: "a/INT-1", RunID: "r1", EntryID: "a", EntryVersion: 1, InteractionID: "INT-1", CustomerID: "C-77", CancelOnNewInteraction: true},
		{WorkflowID: "b/INT-1", RunID: "r2", EntryID: "b", EntryVersion: 1, InteractionID: "INT-1", CustomerID: "C-77"},
		{WorkflowID: "a/INT-9", RunID: "r3", EntryID: "a", EntryVersion: 1, InteractionID: "INT-9", CustomerID: "C-99", CancelOnNewInteraction: true},
		{WorkflowID: "a/INT-2", RunID: "r4", EntryID: "a", EntryVersion: 1, InteractionID: "INT-2", CustomerID: "C-77", CancelOnNewInteraction: true},
	} {
		require.NoError(t, st.RecordRun(ctx, r))
	}
	runs, err := st.NewCustomerInteraction(ctx, "C-77", "INT-2")
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, "a/INT-1", runs[0].WorkflowID)
	require.NoError(t, st.MarkRunStopped(ctx, "a/INT-1", "INT-2"))
	runs, err = st.NewCustomerInteraction(ctx, "C-77", "INT-3")
	require.NoError(t, err)
	require.Equal(t, []string{"a/INT-2"}, []string{runs[0].WorkflowID})
	// The statement recorded the interactions too.
	var recorded int
	require.NoError(t, st.DB().GetContext(ctx, &recorded,
		`SELECT count(*) FROM customer_interactions WHERE customer_id = 'C-77' AND interaction_id IN ('INT-2', 'INT-3')`))
	require.Equal(t, 2, recorded)

	// Claiming an interaction's runs for the customer does the same in
	// the claim's statement: it records INT-4 and lists the runs it stops
	// (not its own claim), oldest first, as NewCustomerInteraction does.
	claimed, stop, err := st.ClaimRunsOfCustomer(ctx, []store.Run{{WorkflowID: "a/INT-4", EntryID: "a", EntryVersion: 1,
		InteractionID: "INT-4", Trigger: "t", CustomerID: "C-77", CancelOnNewInteraction: true}}, "C-77")
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	require.Equal(t, "a/INT-4", claimed[0].WorkflowID)
	require.Empty(t, claimed[0].RunID, "a new claim")
	listed, err := st.NewCustomerInteraction(ctx, "C-77", "INT-4")
	require.NoError(t, err)
	require.Equal(t, listed, stop)
	require.Equal(t, []string{"a/INT-2"}, []string{stop[0].WorkflowID})
	require.NoError(t, st.DB().GetContext(ctx, &recorded,
		`SELECT count(*) FROM customer_interactions WHERE customer_id = 'C-77' AND interaction_id = 'INT-4'`))
	require.Equal(t, 1, recorded)
}
