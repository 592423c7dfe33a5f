//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// withWorker is a fixture whose task queue a worker with the real
// activities polls, sending to an outbox folder.
func withWorker(t *testing.T) (fixture, string) {
	t.Helper()
	f := newFixture(t)
	f.svc.Log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	box := t.TempDir()
	w := worker.New(f.temporal, f.svc.TaskQueue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{
		Store: f.store, Mailer: outbox.NewMailer(box), SMS: outbox.NewSMSSender(box),
		Signer: tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef")), PublicURL: "https://ccflow.example.com",
		From: "care@example.com", Retention: 90 * 24 * time.Hour, OutboxDir: box,
		Log: f.svc.Log,
	})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	// Quiet hours would hold an SMS sent at night.
	_, err := f.store.SavePolicy(context.Background(), policy.Policy{QuietHours: policy.QuietHours{"sms": nil, "email": nil}})
	require.NoError(t, err)
	return f, box
}

// customerEvent is an event of the customer whose follow-up texts them.
func customerEvent(customerID, phone string) interaction.Event {
	ev := event("Problem solved")
	ev.Customer = &interaction.Customer{ID: customerID, FirstName: "Augusta", LastName: "Byron-King", Phone: phone}
	return ev
}

// waitForDelivery waits until the run's delivery is sent.
func waitForDelivery(t *testing.T, st *store.Store, workflowID string) {
	t.Helper()
	var list []store.Delivery
	require.Eventually(t, func() bool {
		var err error
		list, err = st.Deliveries(context.Background(), workflowID)
		return err == nil && len(list) == 1 && list[0].Status == store.DeliverySent
	}, 30*time.Second, 100*time.Millisecond, "the run's SMS was not sent: %+v", &list)
}

func TestErasingACustomerCancelsTheirRunsAndErasesTheirDataOnly(t *testing.T) {
	f, _ := withWorker(t)
	ctx := context.Background()
	_, err := f.store.CreateEntry(ctx, entry.Entry{ID: "text-then-wait", Name: "Text then wait", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps: []entry.Step{
			{ID: "thanks", Spec: &entry.SendSMS{Text: entry.Plain("Thanks, $(customer.first_name)")}},
			{ID: "pause", Spec: &entry.Wait{Duration: "1d"}},
		}})
	require.NoError(t, err)
	customer := "C-erase-" + event("x").InteractionID
	other := "C-keep-" + event("x").InteractionID
	res, err := f.svc.Ingest(ctx, customerEvent(customer, "+15557650001"), false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, res)
	kept, err := f.svc.Ingest(ctx, customerEvent(other, "+15557650002"), false)
	require.NoError(t, err)
	f.terminateAtCleanup(t, kept)
	erasedRun, keptRun := res.Matches[0].WorkflowID, kept.Matches[0].WorkflowID
	waitForDelivery(t, f.store, erasedRun)
	waitForDelivery(t, f.store, keptRun)
	addr := "+15557650001"
	_, _, err = f.store.AddSuppression(ctx, store.Suppression{Channel: "sms", AddressHash: linkkeys.ForProcess().Addresses.Hash(addr), Address: &addr,
		Reason: "asked on the phone", Source: store.SourceAPI})
	require.NoError(t, err)

	erased, err := f.svc.EraseCustomer(ctx, customer)

	require.NoError(t, err)
	// The SMS's status row is its send's own mark (results count its
	// delivery report on it), erased with the delivery.
	require.Equal(t, usecase.CustomerErasure{CustomerID: customer, RunsCanceled: 1,
		Deliveries: 1, SMSStatuses: 1, CustomerInteractions: 1, SuppressionsAnonymized: 1, RunsUnlinked: 1, RecordedInteractions: 1}, erased)
	err = f.temporal.GetWorkflow(ctx, erasedRun, "").Get(ctx, nil)
	var canceled *temporal.CanceledError
	require.True(t, errors.As(err, &canceled), "the customer's run was canceled, so nothing more is sent: %v", err)
	desc, err := f.temporal.DescribeWorkflow(ctx, keptRun, "")
	require.NoError(t, err)
	require.Equal(t, "Running", desc.Status.String(), "another customer's run goes on")
	list, err := f.store.Deliveries(ctx, keptRun)
	require.NoError(t, err)
	require.Len(t, list, 1, "another customer's deliveries stay")
	optOut, err := f.store.Suppressions(ctx, "sms", []string{linkkeys.ForProcess().Addresses.Hash(addr)}, 1)
	require.NoError(t, err)
	require.Len(t, optOut, 1, "the opt-out stays")
	require.Nil(t, optOut[0].Address, "as the hash of the address alone")

	again, err := f.svc.EraseCustomer(ctx, customer)
	require.NoError(t, err)
	require.Equal(t, usecase.CustomerErasure{CustomerID: customer}, again, "erasing again erases nothing and cancels nothing")
	unknown, err := f.svc.EraseCustomer(ctx, "C-nobody")
	require.NoError(t, err)
	require.Equal(t, usecase.CustomerErasure{CustomerID: "C-nobody"}, unknown)
}

func TestErasingACustomerWhileTemporalIsDownErasesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.store.RecordRun(ctx, store.Run{WorkflowID: "e/INT-down", RunID: "r", EntryID: "e", EntryVersion: 1,
		InteractionID: "INT-down", Trigger: "disposition", CustomerID: "C-77"}))
	require.NoError(t, f.store.RecordCustomerInteraction(ctx, "C-77", "INT-down"))
	unreachable, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	t.Cleanup(unreachable.Close)
	f.svc.Temporal = unreachable
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()

	_, err = f.svc.EraseCustomer(short, "C-77")

	require.True(t, usecase.IsUnavailable(err), "a 503: %v", err)
	runs, err := f.store.CustomerRuns(ctx, "C-77")
	require.NoError(t, err)
	require.Len(t, runs, 1, "nothing was erased: the caller retries")
}

func TestErasingRefusesACustomerIDNoEventCanCarry(t *testing.T) {
	f := newFixture(t)
	for id, want := range map[string]string{
		"":                       "customer_id: is required",
		"C-\x00":                 "customer_id: holds a control character",
		strings.Repeat("x", 201): "customer_id: is 201 characters long; at most 200 are allowed",
	} {
		_, err := f.svc.EraseCustomer(context.Background(), id)
		require.ErrorContains(t, err, want)
	}
}

func TestTheRetentionScheduleIsMadeOnceAndItsRunsDeleteOldData(t *testing.T) {
	f, box := withWorker(t)
	ctx := context.Background()
	require.NoError(t, f.store.RecordCustomerInteraction(ctx, "C-old", "INT-old"))
	require.NoError(t, f.store.RecordCustomerInteraction(ctx, "C-new", "INT-new"))
	_, err := f.store.DB().Exec(`UPDATE customer_interactions SET received_at = now() - interval '100 days' WHERE customer_id = 'C-old'`)
	require.NoError(t, err)
	_, err = outbox.NewSMSSender(box).Send(ctx, providersSMS("+15550000001", "old"))
	require.NoError(t, err)
	old := time.Now().Add(-100 * 24 * time.Hour)
	files, err := os.ReadDir(filepath.Join(box, "sms"))
	require.NoError(t, err)
	require.NoError(t, os.Chtimes(filepath.Join(box, "sms", files[0].Name()), old, old))

	id, err := usecase.EnsureRetentionSchedule(ctx, f.temporal, f.svc.TaskQueue)
	require.NoError(t, err)
	handle := f.temporal.ScheduleClient().GetHandle(ctx, id)
	t.Cleanup(func() { _ = handle.Delete(context.Background()) })
	again, err := usecase.EnsureRetentionSchedule(ctx, f.temporal, f.svc.TaskQueue)
	require.NoError(t, err, "making it again changes nothing")
	require.Equal(t, id, again)
	require.Equal(t, usecase.RetentionScheduleID(f.svc.TaskQueue), id)
	require.Equal(t, "ccflow-retention", usecase.RetentionScheduleID("ccflow"))

	desc, err := handle.Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Calendars, 1)
	require.Equal(t, 3, desc.Schedule.Spec.Calendars[0].Hour[0].Start, "daily at 03:30 UTC")
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	require.Equal(t, workflows.RetentionWorkflow, action.Workflow)
	require.Equal(t, f.svc.TaskQueue, action.TaskQueue)

	require.NoError(t, handle.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var runID string
	require.Eventually(t, func() bool {
		d, err := handle.Describe(ctx)
		if err != nil || len(d.Info.RecentActions) == 0 {
			return false
		}
		runID = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
		return true
	}, 20*time.Second, 200*time.Millisecond, "the schedule started no run")
	var res workflows.RetentionResult
	require.NoError(t, f.temporal.GetWorkflow(ctx, runID, "").Get(ctx, &res))

	require.Equal(t, int64(1), res.CustomerInteractions)
	require.Equal(t, int64(1), res.OutboxFiles)
	require.Equal(t, "90d", res.Retention)
	require.WithinDuration(t, time.Now().Add(-90*24*time.Hour), res.Cutoff, time.Minute)
	require.Equal(t, 1, res.Rounds)
	require.Equal(t, 1, count(t, f.store, "customer_interactions"), "what is younger than the retention stays")
}

func count(t *testing.T, st *store.Store, table string) int {
	t.Helper()
	var n int
	require.NoError(t, st.DB().Get(&n, `SELECT count(*) FROM `+table))
	return n
}

func providersSMS(to, body string) providers.SMS { return providers.SMS{To: to, Body: body} }

func TestWorkersStartingTogetherAllMakeTheRetentionSchedule(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Cleanup(func() {
		_ = f.temporal.ScheduleClient().GetHandle(ctx, usecase.RetentionScheduleID(f.svc.TaskQueue)).Delete(ctx)
	})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := usecase.EnsureRetentionSchedule(ctx, f.temporal, f.svc.TaskQueue)
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}
