//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// subscribe stores a subscription to events.
func subscribe(t *testing.T, st *store.Store, id string, events ...string) store.WebhookSubscription {
	t.Helper()
	sub, err := st.CreateWebhookSubscription(context.Background(), store.WebhookSubscription{ID: id, URL: "https://crm.example.com/hooks",
		Events: events, Secret: "v1:db:sealed"}, 50)
	require.NoError(t, err)
	return sub
}

// decodeStrict decodes an event's data into T, refusing a field T lacks:
// the SQL that writes message.status and the Go types stay one shape.
func decodeStrict[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v), "%s", data)
	return v
}

func eventsOf(t *testing.T, st *store.Store, eventType string) []store.WebhookEvent {
	t.Helper()
	list, err := st.WebhookEvents(context.Background(), eventType, 100)
	require.NoError(t, err)
	return list
}

// Every fact a customer's run leaves writes its event, with the data the
// documentation lists, when a subscription wants its type.
func TestEveryFactWritesItsEvent(t *testing.T) {
	st := testenv.Store(t)
	subscribe(t, st, "wh_all", webhook.Types()...)
	subscribe(t, st, "wh_answers", webhook.SurveyAnswered)

	ada := writeCustomer(t, st, "C-77", "+15551234567")

	answered := eventsOf(t, st, webhook.SurveyAnswered)
	require.Len(t, answered, 1)
	a := decodeStrict[webhook.SurveyAnsweredData](t, answered[0].Data)
	require.Equal(t, webhook.SurveyAnsweredData{SurveyID: ada.workflowID + "/survey", WorkflowID: ada.workflowID, EntryID: "post-call-survey",
		EntryVersion: 1, StepID: "survey", InteractionID: "INT-C-77", CustomerID: "C-77", SurveyChannel: "sms", Scale: "1-5", Score: 2,
		Comment: "slow refund", AnsweredAt: a.AnsweredAt}, a)
	require.WithinDuration(t, time.Now(), a.AnsweredAt, time.Minute)
	require.Equal(t, "C-77", answered[0].CustomerID)
	require.Equal(t, 2, count(t, st, "webhook_deliveries", "event_id = $1", answered[0].ID), "one delivery per subscription that wants it")

	statuses := eventsOf(t, st, webhook.MessageStatus)
	require.Len(t, statuses, 2, "the send recorded as sent, then Twilio's delivered")
	sent := decodeStrict[webhook.MessageStatusData](t, statuses[0].Data)
	require.Equal(t, webhook.MessageStatusData{DeliveryID: ada.workflowID + "/sms", WorkflowID: ada.workflowID, StepID: "sms",
		CustomerID: "C-77", Channel: "sms", Status: "sent", Source: webhook.FromCCFlow, ProviderMessageID: "SM-C-77", At: sent.At}, sent)
	delivered := decodeStrict[webhook.MessageStatusData](t, statuses[1].Data)
	require.Equal(t, "delivered", delivered.Status)
	require.Equal(t, webhook.FromTwilio, delivered.Source)
	require.Equal(t, ada.workflowID+"/sms", delivered.DeliveryID)
	require.Equal(t, 1, count(t, st, "webhook_deliveries", "event_id = $1", statuses[0].ID), "only the subscription that wants it")

	optOuts := eventsOf(t, st, webhook.OptOutCreated)
	require.Len(t, optOuts, 1)
	o := decodeStrict[webhook.OptOutCreatedData](t, optOuts[0].Data)
	require.Equal(t, "+15551234567", *o.Address)
	require.Equal(t, store.SourceAPI, o.Source)
	require.Equal(t, testAddressHash("+15551234567"), optOuts[0].AddressHash)

	// Facts told again tell nothing new: the same opt-out, the same answer,
	// the same status from Twilio, a status Twilio reports out of order.
	ctx := context.Background()
	_, _, err := st.AddSuppression(ctx, store.Suppression{Channel: "sms", AddressHash: testAddressHash(ada.phone), Address: &ada.phone, Source: store.SourceSMSKeyword})
	require.NoError(t, err)
	_, _, err = st.RecordSurveyAnswer(ctx, ada.workflowID+"/survey", store.SurveyAnswer{Score: 5, Delivered: true})
	require.NoError(t, err)
	for _, status := range []string{"delivered", "sent"} {
		_, err = st.RecordSMSStatus(ctx, "SM-C-77", status, "")
		require.NoError(t, err)
	}
	require.Len(t, eventsOf(t, st, ""), 4)
}

func TestNoSubscriptionNoEvent(t *testing.T) {
	st := testenv.Store(t)
	subscribe(t, st, "wh_runs", webhook.RunCompleted)
	writeCustomer(t, st, "C-77", "+15551234567")
	require.Empty(t, eventsOf(t, st, ""), "nobody wants these types: the outbox stays empty")
	require.Zero(t, count(t, st, "webhook_deliveries", "true"))
}

// A send the policy skips, one refused for good and one the provider's
// opt-out stopped each tell message.status once.
func TestSkippedAndFailedSendsTellTheirStatus(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_msgs", webhook.MessageStatus)
	require.NoError(t, st.RecordRun(ctx, store.Run{WorkflowID: "e/INT-1", RunID: "r", EntryID: "e", EntryVersion: 1, InteractionID: "INT-1",
		Trigger: "disposition", CustomerID: "C-1"}))
	attempt := func(key string, decide store.Decide) {
		t.Helper()
		d := store.Delivery{Key: key, WorkflowID: "e/INT-1", StepID: key[len("e/INT-1/"):], Channel: "email", Recipient: "ada@example.com",
			CustomerKey: "C-1", EntryID: "e", AddressHash: testAddressHash("ada@example.com")}
		for range 2 { // a retry decides as the first attempt did, and tells nothing new
			_, err := st.DecideSend(ctx, store.SendAttempt{Delivery: d, Owner: "o", LeaseFor: time.Minute, Now: time.Now(), CustomerID: "C-1",
				InteractionID: "INT-1", RunStartedAt: time.Now()}, decide)
			require.NoError(t, err)
		}
	}
	attempt("e/INT-1/capped", func(policy.Policy, policy.Request) policy.Decision {
		return policy.Decision{Outcome: policy.Skip, Code: "daily_cap", Reason: "daily cap 2 reached"}
	})
	attempt("e/INT-1/refused", allowAll)
	require.NoError(t, st.MarkDeliveryFailed(ctx, "e/INT-1/refused", "550 no such user", false))
	require.NoError(t, st.MarkDeliveryFailed(ctx, "e/INT-1/refused", "550 no such user", true))
	attempt("e/INT-1/stopped", allowAll)
	_, err := st.MarkDeliverySkipped(ctx, "e/INT-1/stopped", "opted_out", "opted out")
	require.NoError(t, err)

	var got []webhook.MessageStatusData
	for _, ev := range eventsOf(t, st, webhook.MessageStatus) {
		got = append(got, decodeStrict[webhook.MessageStatusData](t, ev.Data))
	}
	require.Len(t, got, 3)
	for i, want := range []struct{ step, status, reason string }{
		{"capped", "skipped", "daily cap 2 reached"}, {"refused", "failed", "550 no such user"}, {"stopped", "skipped", "opted out"},
	} {
		require.Equal(t, want.step, got[i].StepID)
		require.Equal(t, want.status, got[i].Status)
		require.Equal(t, want.reason, got[i].Reason)
		require.Equal(t, "C-1", got[i].CustomerID)
		require.Equal(t, "e", got[i].EntryID)
	}
}

// The event goes with its fact: rolled back, it is gone; committed, it
// has a delivery for each enabled subscription that wants it.
func TestAnEventCommitsAndRollsBackWithItsFact(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_a", webhook.RunCompleted)
	subscribe(t, st, "wh_b", webhook.RunCompleted, webhook.OptOutCreated)
	subscribe(t, st, "wh_off", webhook.RunCompleted)
	_, err := st.DB().Exec(`UPDATE webhook_subscriptions SET disabled_at = now() WHERE id = 'wh_off'`)
	require.NoError(t, err)
	ev := webhook.NewRunCompleted(webhook.RunCompletedData{WorkflowID: "e/INT-1", EntryID: "e", EntryVersion: 2, CustomerID: "C-1",
		Status: "completed", EndedAt: time.Now()})

	tx, err := st.DB().BeginTxx(ctx, nil)
	require.NoError(t, err)
	n, err := st.EnqueueWebhookEventTx(ctx, tx, ev)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.NoError(t, tx.Rollback())
	require.Empty(t, eventsOf(t, st, ""), "the fact rolled back: no event")

	tx, err = st.DB().BeginTxx(ctx, nil)
	require.NoError(t, err)
	_, err = st.EnqueueWebhookEventTx(ctx, tx, ev)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	events := eventsOf(t, st, webhook.RunCompleted)
	require.Len(t, events, 1)
	require.Equal(t, "e/INT-1", events[0].WorkflowID)
	var subs []string
	require.NoError(t, st.DB().Select(&subs, `SELECT subscription_id FROM webhook_deliveries ORDER BY subscription_id`))
	require.Equal(t, []string{"wh_a", "wh_b"}, subs, "a disabled subscription gets nothing")
	var ids []string
	require.NoError(t, st.DB().Select(&ids, `SELECT id FROM webhook_deliveries`))
	for _, id := range ids {
		require.Regexp(t, `^msg_[0-9a-f]{32}$`, id, "a webhook-id holds no full stop")
	}
}

// Two dispatchers never hold the same delivery; one that died leaves its
// claim to another once the lease ends; a dispatched one is taken no more.
func TestDispatchersClaimDeliveriesApart(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_a", webhook.RunCompleted)
	for i := range 30 {
		_, err := st.EnqueueWebhookEvent(ctx, webhook.NewRunCompleted(webhook.RunCompletedData{WorkflowID: "e/INT-" + string(rune('a'+i)), EndedAt: time.Now()}))
		require.NoError(t, err)
	}
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			ids, err := st.ClaimWebhookDeliveries(ctx, 12, time.Minute)
			require.NoError(t, err)
			mu.Lock()
			all = append(all, ids...)
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Len(t, all, 30)
	sort.Strings(all)
	for i := 1; i < len(all); i++ {
		require.NotEqual(t, all[i-1], all[i], "claimed twice")
	}
	none, err := st.ClaimWebhookDeliveries(ctx, 100, time.Minute)
	require.NoError(t, err)
	require.Empty(t, none, "all are held")

	require.NoError(t, st.MarkWebhookDispatched(ctx, all[:20]))
	_, err = st.DB().Exec(`UPDATE webhook_deliveries SET dispatch_lease_until = now() - interval '1 second' WHERE dispatched_at IS NULL`)
	require.NoError(t, err)
	again, err := st.ClaimWebhookDeliveries(ctx, 100, time.Minute)
	require.NoError(t, err)
	require.Len(t, again, 10, "the undispatched claims of a dead dispatcher are taken again; the dispatched never")
}

func TestAttemptsAreRecordedAndA410DisablesTheSubscription(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_a", webhook.RunCompleted)
	_, err := st.EnqueueWebhookEvent(ctx, webhook.NewRunCompleted(webhook.RunCompletedData{WorkflowID: "e/INT-1", EndedAt: time.Now()}))
	require.NoError(t, err)
	ids, err := st.ClaimWebhookDeliveries(ctx, 10, time.Minute)
	require.NoError(t, err)
	id := ids[0]
	first := time.Now().Truncate(time.Millisecond)
	next := first.Add(5 * time.Second)
	require.NoError(t, st.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: id, Attempt: 1, AttemptedAt: first, Duration: 12 * time.Millisecond,
		StatusCode: 500, Verdict: webhook.TryAgain, Status: store.WebhookRetrying, Response: `{"error":"busy"}`, NextAttemptAt: &next, SubscriptionID: "wh_a"}))
	require.NoError(t, st.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: id, Attempt: 2, AttemptedAt: next, Verdict: webhook.TryAgain,
		Status: store.WebhookRetrying, Error: "no answer in time", NextAttemptAt: &next, SubscriptionID: "wh_a"}))
	require.NoError(t, st.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: id, Attempt: 3, AttemptedAt: next, StatusCode: 410,
		Verdict: webhook.Gone, Status: store.WebhookStopped, DisableReason: "the receiver answered 410 Gone", SubscriptionID: "wh_a"}))

	list, err := st.WebhookDeliveries(ctx, "wh_a", 10, 5)
	require.NoError(t, err)
	require.Len(t, list, 1)
	d := list[0]
	require.Equal(t, store.WebhookStopped, d.Status)
	require.Equal(t, 3, d.Attempts)
	require.Equal(t, 410, *d.LastStatusCode)
	require.Nil(t, d.NextAttemptAt)
	require.Len(t, d.AttemptLog, 3)
	require.Equal(t, []int{3, 2, 1}, []int{d.AttemptLog[0].Attempt, d.AttemptLog[1].Attempt, d.AttemptLog[2].Attempt}, "newest first")
	require.Nil(t, d.AttemptLog[1].StatusCode, "no answer")
	require.Equal(t, "no answer in time", d.AttemptLog[1].Error)
	require.Equal(t, `{"error":"busy"}`, d.AttemptLog[2].Response)
	require.Equal(t, int64(12), d.AttemptLog[2].DurationMS)
	sub, err := st.WebhookSubscription(ctx, "wh_a")
	require.NoError(t, err)
	require.NotNil(t, sub.DisabledAt)
	require.Equal(t, "the receiver answered 410 Gone", sub.DisabledReason)

	_, err = st.EnqueueWebhookEvent(ctx, webhook.NewRunCompleted(webhook.RunCompletedData{WorkflowID: "e/INT-2", EndedAt: time.Now()}))
	require.NoError(t, err)
	require.Equal(t, 1, count(t, st, "webhook_deliveries", "true"), "a disabled subscription gets nothing more")
}

func TestDeletingASubscriptionDeletesItsDeliveriesAndTheEventsNobodyElseGets(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_a", webhook.RunCompleted, webhook.OptOutCreated)
	subscribe(t, st, "wh_b", webhook.RunCompleted)
	_, err := st.EnqueueWebhookEvent(ctx, webhook.NewRunCompleted(webhook.RunCompletedData{WorkflowID: "e/INT-1", EndedAt: time.Now()}))
	require.NoError(t, err)
	_, err = st.EnqueueWebhookEvent(ctx, webhook.NewOptOutCreated(webhook.OptOutCreatedData{Channel: "sms", CreatedAt: time.Now()}, "h"))
	require.NoError(t, err)

	require.NoError(t, st.DeleteWebhookSubscription(ctx, "wh_a"))

	require.ErrorIs(t, st.DeleteWebhookSubscription(ctx, "wh_a"), store.ErrNotFound)
	require.Equal(t, 1, count(t, st, "webhook_deliveries", "true"))
	require.Equal(t, 1, count(t, st, "webhook_events", "type = 'run.completed'"), "wh_b still gets it")
	require.Zero(t, count(t, st, "webhook_events", "type = 'optout.created'"))
	_, err = st.WebhookJob(ctx, "msg_nothing")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// Erasure reaches the copies of a customer's data in the outbox: by
// customer, by run and by address; others' stay.
func TestErasureDeletesTheCustomersWebhookEvents(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_all", webhook.Types()...)
	writeCustomer(t, st, "C-77", "+15551234567")
	writeCustomer(t, st, "C-78", "+15557654321")
	require.Len(t, eventsOf(t, st, ""), 8)

	erased, err := st.EraseCustomer(ctx, "C-77")

	require.NoError(t, err)
	require.EqualValues(t, 4, erased.WebhookEvents)
	left := eventsOf(t, st, "")
	require.Len(t, left, 4)
	for _, ev := range left {
		require.NotContains(t, string(ev.Data), "C-77")
		require.NotContains(t, string(ev.Data), "+15551234567")
	}
	require.Equal(t, 4, count(t, st, "webhook_deliveries", "true"))
}

// Retention deletes events past the cutoff with their deliveries and
// attempts, but never one still being delivered.
func TestRetentionDeletesOldEventsNotStillBeingDelivered(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	subscribe(t, st, "wh_a", webhook.RunCompleted)
	for range 3 {
		_, err := st.EnqueueWebhookEvent(ctx, webhook.NewRunCompleted(webhook.RunCompletedData{WorkflowID: "e/INT-1", EndedAt: time.Now()}))
		require.NoError(t, err)
	}
	var ids []string
	require.NoError(t, st.DB().Select(&ids, `SELECT id FROM webhook_deliveries ORDER BY id`))
	require.NoError(t, st.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: ids[0], Attempt: 1, AttemptedAt: time.Now(),
		StatusCode: 200, Verdict: webhook.Delivered, Status: store.WebhookDelivered}))
	require.NoError(t, st.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: ids[1], Attempt: 1, AttemptedAt: time.Now(),
		StatusCode: 503, Verdict: webhook.TryAgain, Status: store.WebhookRetrying}))
	_, err := st.DB().Exec(`UPDATE webhook_events SET created_at = now() - interval '100 days'`)
	require.NoError(t, err)

	p, err := st.Purge(ctx, time.Now().Add(-90*24*time.Hour), time.Now(), 100)

	require.NoError(t, err)
	require.EqualValues(t, 1, p.WebhookEvents, "the delivered one; the retrying and the pending stay")
	require.Zero(t, count(t, st, "webhook_attempts", "delivery_id = $1", ids[0]))
	require.Equal(t, 2, count(t, st, "webhook_deliveries", "true"))
}

func TestSecretsAreSealedAgainUnderTheNewKey(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	oldKey, err := webhook.DeriveSealKey("old", bytes.Repeat([]byte{1}, 32))
	require.NoError(t, err)
	newKey, err := webhook.DeriveSealKey("new", bytes.Repeat([]byte{2}, 32))
	require.NoError(t, err)
	old, err := webhook.NewSealer(oldKey)
	require.NoError(t, err)
	secret := webhook.Secret(bytes.Repeat([]byte{7}, 32))
	sealed, err := old.Seal("wh_a", secret)
	require.NoError(t, err)
	_, err = st.CreateWebhookSubscription(ctx, store.WebhookSubscription{ID: "wh_a", URL: "https://x.example", Events: []string{webhook.RunCompleted}, Secret: sealed}, 50)
	require.NoError(t, err)
	both, err := webhook.NewSealer(newKey, oldKey)
	require.NoError(t, err)

	n, err := st.ResealWebhookSecrets(ctx, "new", func(id, s string) (string, error) {
		plain, err := both.Open(id, s)
		if err != nil {
			return "", err
		}
		return both.Seal(id, plain)
	})
	require.NoError(t, err)
	require.Equal(t, 1, n)

	sub, err := st.WebhookSubscription(ctx, "wh_a")
	require.NoError(t, err)
	onlyNew, err := webhook.NewSealer(newKey)
	require.NoError(t, err)
	opened, err := onlyNew.Open("wh_a", sub.Secret)
	require.NoError(t, err, "the old key can go")
	require.Equal(t, secret, opened)
}

func TestTheNumberOfSubscriptionsIsBounded(t *testing.T) {
	st := testenv.Store(t)
	for _, id := range []string{"wh_1", "wh_2"} {
		_, err := st.CreateWebhookSubscription(context.Background(), store.WebhookSubscription{ID: id, URL: "https://x.example",
			Events: []string{webhook.RunCompleted}, Secret: "s"}, 2)
		require.NoError(t, err)
	}
	_, err := st.CreateWebhookSubscription(context.Background(), store.WebhookSubscription{ID: "wh_3", URL: "https://x.example",
		Events: []string{webhook.RunCompleted}, Secret: "s"}, 2)
	require.ErrorIs(t, err, store.ErrConflict)
}

// testAddressHash is an address's keyed hash as ccflow keeps it, under the
// process's link key, as the store's other tests write them.
func testAddressHash(address string) string {
	return linkkeys.ForProcess().Addresses.Hash(address)
}
