//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

func contact() *workflows.Contact {
	return &workflows.Contact{CustomerID: "C-77", Recipient: true, TimeZone: "America/New_York",
		EntryID: "post-call-survey", InteractionID: "INT-1", RunStartedAt: time.Now()}
}

// Twilio's 21610 (the number replied STOP) records an SMS opt-out and
// skips the send instead of failing it; the next send to the number is
// skipped before Twilio is called.
func TestTwilio21610RecordsAnOptOutAndSkipsTheSend(t *testing.T) {
	acts, srv := twilioActivities(t)
	srv.FailNext(400, 21610, 1)
	in := smsInput("k")
	in.Contact = contact()

	d, err := execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)
	require.Equal(t, workflows.SendSkipped, d.Status)
	require.Equal(t, "opted out", d.Reason)
	require.Equal(t, policy.CodeOptedOut, d.Code)
	rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
	require.Equal(t, store.DeliverySkipped, rec.Status)
	sups, err := acts.Store.Suppressions(context.Background(), "sms", []string{linkkeys.ForProcess().Addresses.Hash("+15551234567")}, 10)
	require.NoError(t, err)
	require.Len(t, sups, 1)
	require.Equal(t, store.SourceTwilio21610, sups[0].Source)

	next := smsInput("k2")
	next.Contact = contact()
	d, err = execute(t, acts, acts.SendSMS, next)
	require.NoError(t, err)
	require.Equal(t, workflows.SendSkipped, d.Status)
	require.Empty(t, srv.Messages(), "nothing reached Twilio")

	// A caller that cannot take a skipped send (no Contact) gets a
	// non-retryable error that says why.
	_, err = execute(t, acts, acts.SendSMS, smsInput("k3"))
	appErr := requireNonRetryable(t, err, workflows.ErrTypeSendSkipped)
	require.Contains(t, appErr.Message(), "not sent: opted out")
}

func TestAnSMSOutsideItsWindowIsHeldWithTheWordsOperatorsRead(t *testing.T) {
	acts, srv := twilioActivities(t)
	acts.Now = func() time.Time { return time.Date(2026, 12, 1, 4, 10, 0, 0, time.UTC) } // 23:10 in New York
	in := smsInput("k")
	in.Contact = contact()
	var decisions []string
	acts.DecisionHook = func(e activities.DecisionEvent) { decisions = append(decisions, e.Outcome+":"+e.Code) }

	d, err := execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)
	require.Equal(t, workflows.SendHeld, d.Status)
	require.Equal(t, "quiet hours until 2026-12-01 08:00 America/New_York", d.Reason)
	require.Equal(t, "America/New_York", d.Zone)
	require.True(t, d.Until.Equal(time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)))
	require.Empty(t, srv.Messages())
	require.Equal(t, []string{"held:quiet_hours"}, decisions)

	acts.Now = func() time.Time { return d.Until }
	d, err = execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)
	require.Equal(t, workflows.SendSent, d.Status)
	require.Len(t, srv.WaitForMessages(t, 1, 5*time.Second), 1)
	require.Equal(t, []string{"held:quiet_hours", "send:"}, decisions)
}

func TestEverySMSAsksForItsDeliveryStatus(t *testing.T) {
	acts, srv := twilioActivities(t)
	_, err := execute(t, acts, acts.SendSMS, smsInput("k"))
	require.NoError(t, err)
	require.Equal(t, "https://surveys.example.com/webhooks/twilio/status", srv.WaitForMessages(t, 1, 5*time.Second)[0].StatusCallback)
}

// The opt-out Twilio's 21610 records tells subscribers, as every opt-out
// path does, and the skipped send tells its status.
func TestTwilio21610TellsSubscribersOfTheOptOut(t *testing.T) {
	acts, srv := twilioActivities(t)
	ctx := context.Background()
	_, err := acts.Store.CreateWebhookSubscription(ctx, store.WebhookSubscription{ID: "wh_crm", URL: "https://crm.example.com/h",
		Events: []string{webhook.OptOutCreated, webhook.MessageStatus}, Secret: "v1:db:x"}, 50)
	require.NoError(t, err)
	srv.FailNext(400, 21610, 1)
	in := smsInput("k")
	in.Contact = contact()

	_, err = execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)

	optOuts, err := acts.Store.WebhookEvents(ctx, webhook.OptOutCreated, 10)
	require.NoError(t, err)
	require.Len(t, optOuts, 1)
	var data webhook.OptOutCreatedData
	require.NoError(t, json.Unmarshal(optOuts[0].Data, &data))
	require.Equal(t, store.SourceTwilio21610, data.Source)
	require.Equal(t, "+15551234567", *data.Address)
	statuses, err := acts.Store.WebhookEvents(ctx, webhook.MessageStatus, 10)
	require.NoError(t, err)
	require.Len(t, statuses, 1)
	require.Contains(t, string(statuses[0].Data), `"status": "skipped"`)
}
