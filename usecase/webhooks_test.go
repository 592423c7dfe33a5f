//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/webhooksend"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// testRetry is the tests' short schedule: production's shape (first retry
// within 10 s, doubling) in seconds instead of hours.
var testRetry = webhook.Retry{First: time.Second, Coefficient: 2, Max: 2 * time.Second, For: 5 * time.Minute, Timeout: 2 * time.Second}

// lockedBuffer is a log that tests read while the service writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// webhookFixture is ccflow's webhooks on a store and Temporal of the
// test's own: the service with 127.0.0.1 allowed (CCFLOW_WEBHOOK_ALLOW),
// and, once started, a worker and a dispatcher with the short schedule.
type webhookFixture struct {
	fixture
	log      *lockedBuffer
	allow    webhook.Allow
	receiver *testenv.WebhookReceiver
}

func newWebhookFixture(t *testing.T) *webhookFixture {
	t.Helper()
	f := &webhookFixture{fixture: newFixture(t), log: &lockedBuffer{}, receiver: testenv.WebhookReceiverServer(t)}
	var err error
	f.allow, err = webhook.ParseAllow("127.0.0.1")
	require.NoError(t, err)
	f.svc.Log = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.svc.WebhookURLs = webhooksend.New(f.allow)
	f.svc.Signer = tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	f.svc.Keys = linkkeys.Must([]byte("webhook-fixture-link-secret-0123456789"))
	return f
}

// startWorker starts a worker with the real webhook activities on the
// fixture's task queue; the returned function stops it.
func (f *webhookFixture) startWorker(t *testing.T) func() {
	t.Helper()
	sealer, err := usecase.StoreWebhookSealer(context.Background(), f.store)
	require.NoError(t, err)
	w := worker.New(f.temporal, f.svc.TaskQueue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{Store: f.store, Webhooks: webhooksend.New(f.allow), WebhookSealer: sealer,
		Log: slog.New(slog.NewTextHandler(f.log, nil))})
	require.NoError(t, w.Start())
	var once sync.Once
	stop := func() { once.Do(w.Stop) }
	t.Cleanup(stop)
	return stop
}

// startDispatcher runs the dispatcher until the test ends.
func (f *webhookFixture) startDispatcher(t *testing.T) *usecase.WebhookDispatcher {
	t.Helper()
	d := &usecase.WebhookDispatcher{Store: f.store, Temporal: f.temporal, TaskQueue: f.svc.TaskQueue, Retry: testRetry,
		Sweep: time.Second, Log: slog.New(slog.NewTextHandler(f.log, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// subscribe subscribes the fixture's receiver and makes it trust the secret.
func (f *webhookFixture) subscribe(t *testing.T, events ...string) usecase.WebhookWithSecret {
	t.Helper()
	created, err := f.svc.CreateWebhook(context.Background(), usecase.WebhookRequest{URL: f.receiver.URL, Events: events, Description: "the CRM"})
	require.NoError(t, err)
	f.receiver.Trust(t, created.Secret)
	return created
}

// optOut opts a number out through the API's use case.
func (f *webhookFixture) optOut(t *testing.T, phone string) {
	t.Helper()
	_, _, err := f.svc.AddSuppression(context.Background(), usecase.SuppressionRequest{Channel: "sms", Address: phone, Reason: "asked"}, store.SourceAPI)
	require.NoError(t, err)
}

func TestASubscriptionsSecretIsShownOnceSealedAndNeverLogged(t *testing.T) {
	f := newWebhookFixture(t)
	ctx := context.Background()

	created := f.subscribe(t, webhook.SurveyAnswered, webhook.OptOutCreated)

	require.Regexp(t, `^whsec_[A-Za-z0-9+/]{43}=$`, created.Secret)
	require.Regexp(t, `^wh_[a-z2-7]{26}$`, created.ID)
	require.Equal(t, []string{"optout.created", "survey.answered"}, created.Events)
	require.True(t, created.Enabled)
	list, err := f.svc.Webhooks(ctx)
	require.NoError(t, err)
	shown, err := json.Marshal(list)
	require.NoError(t, err)
	require.NotContains(t, string(shown), "whsec_", "a listing never shows a secret")
	one, err := f.svc.Webhook(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, created.Webhook, one)
	var stored string
	require.NoError(t, f.store.DB().Get(&stored, `SELECT secret FROM webhook_subscriptions WHERE id = $1`, created.ID))
	require.True(t, strings.HasPrefix(stored, "v1:db:"), "kept sealed")
	require.NotContains(t, stored, strings.TrimPrefix(created.Secret, "whsec_"))

	f.svc.Now = func() time.Time { return time.Now() }
	rotated, err := f.svc.RotateWebhookSecret(ctx, created.ID)
	require.NoError(t, err)
	require.NotEqual(t, created.Secret, rotated.Secret)
	require.WithinDuration(t, time.Now().Add(24*time.Hour), *rotated.PreviousSecretExpiresAt, time.Minute)
	require.NotNil(t, rotated.SecretRotatedAt)

	for _, secret := range []string{created.Secret, rotated.Secret} {
		require.NotContains(t, f.log.String(), strings.TrimPrefix(secret, "whsec_"), "no log line holds a secret")
	}
	require.Contains(t, f.log.String(), "webhook secret rotated", "the rotation is logged, without the secret")

	require.NoError(t, f.svc.DeleteWebhook(ctx, created.ID))
	require.ErrorIs(t, f.svc.DeleteWebhook(ctx, created.ID), usecase.ErrNotFound)
	_, err = f.svc.RotateWebhookSecret(ctx, created.ID)
	require.ErrorIs(t, err, usecase.ErrNotFound)
}

func TestABadSubscriptionIsRefusedNamingTheField(t *testing.T) {
	f := newWebhookFixture(t)
	tests := []struct {
		req   usecase.WebhookRequest
		field string
	}{
		{usecase.WebhookRequest{URL: "https://10.0.0.7/hooks", Events: []string{"run.completed"}}, "url"},
		{usecase.WebhookRequest{URL: "https://169.254.169.254/latest", Events: []string{"run.completed"}}, "url"},
		{usecase.WebhookRequest{URL: "https://[::1]/hooks", Events: []string{"run.completed"}}, "url"},
		{usecase.WebhookRequest{URL: "http://crm.example.com/hooks", Events: []string{"run.completed"}}, "url"},
		{usecase.WebhookRequest{URL: "https://crm.example.com/" + strings.Repeat("a", 2000), Events: []string{"run.completed"}}, "url"},
		{usecase.WebhookRequest{URL: f.receiver.URL, Events: []string{"run.finished"}}, "events"},
		{usecase.WebhookRequest{URL: f.receiver.URL}, "events"},
		{usecase.WebhookRequest{URL: f.receiver.URL, Events: []string{"run.completed"}, Description: "two\nlines"}, "description"},
	}
	for _, tt := range tests {
		_, err := f.svc.CreateWebhook(context.Background(), tt.req)
		fe := validation.First(err)
		require.NotNil(t, fe, "%+v", tt.req)
		require.Equal(t, tt.field, fe.Path, fe.Message)
	}
	list, err := f.svc.Webhooks(context.Background())
	require.NoError(t, err)
	require.Empty(t, list)
}

// Every path that opts an address out tells subscribers, naming itself.
// (Twilio's 21610: TestTwilio21610TellsSubscribersOfTheOptOut.)
func TestEveryOptOutPathTellsSubscribers(t *testing.T) {
	f := newWebhookFixture(t)
	ctx := context.Background()
	f.subscribe(t, webhook.OptOutCreated)
	email := "ada@example.com"
	unsubscribe, err := policy.UnsubscribeID("email", f.svc.Keys.Addresses.Hash(email))
	require.NoError(t, err)
	paths := []struct {
		source string
		optOut func() error
	}{
		{store.SourceAPI, func() error {
			_, _, err := f.svc.AddSuppression(ctx, usecase.SuppressionRequest{Channel: "sms", Address: "+15550000001"}, store.SourceAPI)
			return err
		}},
		{store.SourceConsole, func() error {
			_, _, err := f.svc.AddSuppression(ctx, usecase.SuppressionRequest{Channel: "sms", Address: "+15550000002"}, usecase.SuppressionFromConsole)
			return err
		}},
		{store.SourceSMSKeyword, func() error {
			_, err := f.svc.InboundSMS(ctx, usecase.InboundSMSRequest{MessageSID: "SM-optout-path", From: "+15550000003", Body: " stop "})
			return err
		}},
		{store.SourceUnsubscribe, func() error {
			_, err := f.svc.Unsubscribe(ctx, f.svc.Keys.Unsubscribe.Sign(unsubscribe))
			return err
		}},
	}
	for i, p := range paths {
		require.NoError(t, p.optOut(), p.source)
		events, err := f.store.WebhookEvents(ctx, webhook.OptOutCreated, 10)
		require.NoError(t, err)
		require.Len(t, events, i+1, p.source)
		var data webhook.OptOutCreatedData
		require.NoError(t, json.Unmarshal(events[i].Data, &data))
		require.Equal(t, p.source, data.Source)
	}
}

// The guarantee: a receiver that fails, times out and answers 500 at
// random still gets every event at least once, each under one webhook-id
// however often it is retried, signed so it verifies.
func TestEveryEventReachesAFlakyReceiver(t *testing.T) {
	f := newWebhookFixture(t)
	f.subscribe(t, webhook.OptOutCreated)
	rnd := rand.New(rand.NewPCG(16, 2026))
	var mu sync.Mutex
	f.receiver.Behave(func(_ testenv.WebhookCall, attempt int) (int, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		switch n := rnd.IntN(6); {
		case attempt > 6:
			return 200, 0
		case n == 0:
			return 500, 0
		case n == 1:
			return 503, 0
		case n == 2:
			return 200, 3 * time.Second // longer than the attempt's 2 s: a timeout
		case n == 3:
			return 0, 0 // the connection drops
		}
		return 200, 0
	})
	f.startWorker(t)
	f.startDispatcher(t)
	const events = 20
	for i := range events {
		f.optOut(t, fmt.Sprintf("+1555000%04d", i))
	}

	accepted := f.receiver.WaitAccepted(t, events, 3*time.Minute)

	calls := f.receiver.Calls()
	ids := map[string]int{}
	for _, c := range calls {
		ids[c.ID]++
		require.True(t, c.Verified, "every attempt is signed with the subscription's secret")
	}
	require.Len(t, ids, events, "one webhook-id per event, however often it was retried")
	require.Greater(t, len(calls), events, "the receiver failed some attempts")
	var addresses []string
	for _, c := range accepted {
		require.Equal(t, webhook.OptOutCreated, c.Type)
		var data webhook.OptOutCreatedData
		require.NoError(t, json.Unmarshal(c.Data, &data))
		addresses = append(addresses, *data.Address)
	}
	for i := range events {
		require.Contains(t, addresses, fmt.Sprintf("+1555000%04d", i))
	}
	// The deliveries list tells the same story.
	hooks, err := f.svc.Webhooks(context.Background())
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		list, err := f.svc.WebhookDeliveries(context.Background(), hooks[0].ID, 100)
		require.NoError(t, err)
		delivered := 0
		for _, d := range list {
			if d.Status == store.WebhookDelivered {
				delivered++
			}
		}
		return len(list) == events && delivered == events
	}, 30*time.Second, 200*time.Millisecond)
	list, err := f.svc.WebhookDeliveries(context.Background(), hooks[0].ID, 100)
	require.NoError(t, err)
	retried := 0
	for _, d := range list {
		require.Equal(t, ids[d.ID], len(d.RecentAttempts)+max(0, d.Attempts-5), "every attempt the receiver saw is recorded")
		if d.Attempts > 1 {
			retried++
			require.NotEqual(t, "delivered", d.RecentAttempts[len(d.RecentAttempts)-1].Outcome)
		}
	}
	require.Positive(t, retried)
}

// A 410 disables the subscription: the delivery stops, and nothing more is
// written for it.
func TestAReceiverAnswering410DisablesItsSubscription(t *testing.T) {
	f := newWebhookFixture(t)
	sub := f.subscribe(t, webhook.OptOutCreated)
	f.receiver.Behave(func(testenv.WebhookCall, int) (int, time.Duration) { return 410, 0 })
	f.startWorker(t)
	f.startDispatcher(t)
	ctx := context.Background()

	f.optOut(t, "+15550000001")

	require.Eventually(t, func() bool {
		w, err := f.svc.Webhook(ctx, sub.ID)
		require.NoError(t, err)
		return !w.Enabled
	}, time.Minute, 100*time.Millisecond)
	w, err := f.svc.Webhook(ctx, sub.ID)
	require.NoError(t, err)
	require.Equal(t, "the receiver answered 410 Gone", w.DisabledReason)
	list, err := f.svc.WebhookDeliveries(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, store.WebhookStopped, list[0].Status)
	require.Equal(t, 410, *list[0].ResponseStatus)

	f.optOut(t, "+15550000002")
	time.Sleep(3 * time.Second)
	require.Len(t, f.receiver.Calls(), 1, "one attempt, never retried, and nothing after")
	list, err = f.svc.WebhookDeliveries(ctx, sub.ID, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
}

// A worker that stops while a delivery is in flight leaves it to the next
// worker, which sends it with the same webhook-id; dispatching it again
// starts nothing new.
func TestAWorkerRestartMidDeliveryDeliversWithTheSameWebhookID(t *testing.T) {
	f := newWebhookFixture(t)
	sub := f.subscribe(t, webhook.OptOutCreated)
	firstCall := make(chan struct{})
	var once sync.Once
	f.receiver.Behave(func(_ testenv.WebhookCall, attempt int) (int, time.Duration) {
		if attempt == 1 {
			once.Do(func() { close(firstCall) })
			return 200, time.Minute // the answer never comes in time
		}
		return 204, 0
	})
	stopFirst := f.startWorker(t)
	d := f.startDispatcher(t)
	f.optOut(t, "+15550000001")

	select {
	case <-firstCall:
	case <-time.After(time.Minute):
		t.Fatal("the first attempt never reached the receiver")
	}
	stopFirst() // mid-delivery
	f.startWorker(t)

	accepted := f.receiver.WaitAccepted(t, 1, time.Minute)
	calls := f.receiver.Calls()
	require.GreaterOrEqual(t, len(calls), 2)
	for _, c := range calls {
		require.Equal(t, calls[0].ID, c.ID, "the same webhook-id on every attempt")
	}
	require.Contains(t, accepted, calls[0].ID)

	_, err := f.store.DB().Exec(`UPDATE webhook_deliveries SET dispatched_at = NULL`)
	require.NoError(t, err)
	n, err := d.DispatchOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	time.Sleep(2 * time.Second)
	require.Len(t, f.receiver.Calls(), len(calls), "a delivery dispatched again runs no second workflow")
	list, err := f.svc.WebhookDeliveries(context.Background(), sub.ID, 10)
	require.NoError(t, err)
	require.Equal(t, store.WebhookDelivered, list[0].Status)
}
