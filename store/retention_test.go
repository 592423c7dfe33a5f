//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// customerFixture writes what a run of the customer leaves in the store:
// the run record, a delivery to their phone and one to an ops address,
// Twilio's status of the SMS, a survey with its answer, the interaction,
// and an opt-out of their phone.
type customerFixture struct {
	customerID, workflowID, phone string
}

func writeCustomer(t *testing.T, st *store.Store, customerID, phone string) customerFixture {
	t.Helper()
	ctx := context.Background()
	f := customerFixture{customerID: customerID, workflowID: "post-call-survey/INT-" + customerID, phone: phone}
	require.NoError(t, st.RecordRun(ctx, store.Run{WorkflowID: f.workflowID, RunID: "r1", EntryID: "post-call-survey", EntryVersion: 1,
		InteractionID: "INT-" + customerID, Trigger: "disposition", CustomerID: customerID}))
	sms := store.Delivery{Key: f.workflowID + "/sms", WorkflowID: f.workflowID, StepID: "sms", Channel: "sms", Recipient: phone,
		CustomerKey: customerID, AddressHash: linkkeys.ForProcess().Addresses.Hash(phone)}
	_, err := st.DecideSend(ctx, store.SendAttempt{Delivery: sms, Owner: "a", LeaseFor: time.Minute, Now: time.Now(),
		CustomerID: customerID, InteractionID: "INT-" + customerID, RunStartedAt: time.Now()}, allowAll)
	require.NoError(t, err)
	_, err = st.MarkDelivered(ctx, sms.Key, "SM-"+customerID)
	require.NoError(t, err)
	_, err = st.RecordSMSStatus(ctx, "SM-"+customerID, "delivered", "")
	require.NoError(t, err)
	ops := store.Delivery{Key: f.workflowID + "/ops", WorkflowID: f.workflowID, StepID: "ops", Channel: "email", Recipient: "ops@example.com",
		CustomerKey: "address:" + linkkeys.ForProcess().Addresses.Hash("ops@example.com"), AddressHash: linkkeys.ForProcess().Addresses.Hash("ops@example.com")}
	_, err = st.DecideSend(ctx, store.SendAttempt{Delivery: ops, Owner: "a", LeaseFor: time.Minute, Now: time.Now(),
		CustomerID: customerID, InteractionID: "INT-" + customerID, RunStartedAt: time.Now()}, allowAll)
	require.NoError(t, err)
	sv, err := st.CreateSurvey(ctx, store.Survey{ID: f.workflowID + "/survey", TokenID: "tok-" + customerID, WorkflowID: f.workflowID,
		RunID: "r1", StepID: "survey", EntryID: "post-call-survey", InteractionID: "INT-" + customerID, Channel: "sms",
		Question: "How did we do?", WaitUntil: time.Now().Add(-time.Hour), ExpiresAt: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	_, _, err = st.RecordSurveyAnswer(ctx, sv.ID, store.SurveyAnswer{Score: 2, Comment: "slow refund", Delivered: true})
	require.NoError(t, err)
	require.NoError(t, st.RecordCustomerInteraction(ctx, customerID, "INT-"+customerID))
	require.NoError(t, st.RecordInteractions(ctx, []store.RecordedInteraction{{InteractionID: "INT-" + customerID, CustomerID: customerID,
		EndedAt: time.Now(), Event: []byte(`{"interaction_id": "INT-` + customerID + `", "customer": {"phone": "` + phone + `"}}`)}}))
	addr := phone
	_, _, err = st.AddSuppression(ctx, store.Suppression{Channel: "sms", AddressHash: linkkeys.ForProcess().Addresses.Hash(phone), Address: &addr,
		Reason: "said so on the phone", Source: store.SourceAPI})
	require.NoError(t, err)
	body := "my parcel never came"
	_, _, err = st.HandleInbound(ctx, store.InboundMessage{MessageSID: "SM-in-" + customerID, Channel: "sms",
		FromHash: linkkeys.ForProcess().Addresses.Hash(phone), From: &addr, Body: &body, Action: store.InboundKept}, store.InboundEffect{})
	require.NoError(t, err)
	return f
}

func allowAll(policy.Policy, policy.Request) policy.Decision {
	return policy.Decision{Outcome: policy.Send}
}

// count counts the rows of table that match where.
func count(t *testing.T, st *store.Store, table, where string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, st.DB().Get(&n, `SELECT count(*) FROM `+table+` WHERE `+where, args...))
	return n
}

func TestEraseCustomerErasesTheirDataAndNobodyElses(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	ada := writeCustomer(t, st, "C-77", "+15551234567")
	grace := writeCustomer(t, st, "C-78", "+15557654321")

	erased, err := st.EraseCustomer(ctx, "C-77")

	require.NoError(t, err)
	require.Equal(t, store.Erased{Deliveries: 2, SMSStatuses: 1, Surveys: 1, SurveyAnswers: 1, CustomerInteractions: 1,
		SuppressionsAnonymized: 1, RunsUnlinked: 1, InboundMessages: 1, RecordedInteractions: 1}, erased)
	require.Zero(t, count(t, st, "recorded_interactions", "customer_id = 'C-77'"), "the event kept for simulations goes too")
	require.Equal(t, 1, count(t, st, "recorded_interactions", "customer_id = 'C-78'"))
	require.Zero(t, count(t, st, "inbound_messages", "message_sid = 'SM-in-C-77'"), "what the customer texted goes too")
	require.Equal(t, 1, count(t, st, "inbound_messages", "message_sid = 'SM-in-C-78'"))
	require.Zero(t, count(t, st, "deliveries", "workflow_id = $1", ada.workflowID))
	require.Zero(t, count(t, st, "surveys", "workflow_id = $1", ada.workflowID))
	require.Zero(t, count(t, st, "customer_interactions", "customer_id = $1", "C-77"))
	require.Zero(t, count(t, st, "runs", "customer_id = $1", "C-77"))
	require.Equal(t, 1, count(t, st, "runs", "workflow_id = $1", ada.workflowID), "the run record stays, as the event's dedupe record")

	optOut, err := st.Suppressions(ctx, "sms", []string{linkkeys.ForProcess().Addresses.Hash(ada.phone)}, 10)
	require.NoError(t, err)
	require.Len(t, optOut, 1, "the opt-out stays: the customer must never be texted again")
	require.Nil(t, optOut[0].Address)
	require.Empty(t, optOut[0].Reason)

	require.Equal(t, 2, count(t, st, "deliveries", "workflow_id = $1", grace.workflowID), "another customer's data stays")
	require.Equal(t, 1, count(t, st, "survey_answers", "comment <> ''"))
	kept, err := st.Suppressions(ctx, "sms", []string{linkkeys.ForProcess().Addresses.Hash(grace.phone)}, 10)
	require.NoError(t, err)
	require.Equal(t, grace.phone, *kept[0].Address)

	again, err := st.EraseCustomer(ctx, "C-77")
	require.NoError(t, err)
	require.Equal(t, store.Erased{}, again, "erasing again erases nothing")
	unknown, err := st.EraseCustomer(ctx, "C-404")
	require.NoError(t, err)
	require.Equal(t, store.Erased{}, unknown)
}

func TestEraseCustomerRefusesTheEmptyID(t *testing.T) {
	st := testenv.Store(t)
	writeCustomer(t, st, "C-77", "+15551234567")
	require.NoError(t, st.RecordRun(context.Background(), store.Run{WorkflowID: "anonymous/INT-1", RunID: "r", EntryID: "e", EntryVersion: 1,
		InteractionID: "INT-1", Trigger: "disposition"}))

	_, err := st.EraseCustomer(context.Background(), "")

	require.ErrorIs(t, err, store.ErrNotFound)
	require.Equal(t, 2, count(t, st, "deliveries", "true"))
}

// age moves every timestamp of the store's customer data back by d.
func age(t *testing.T, st *store.Store, d time.Duration) {
	t.Helper()
	for _, q := range []string{
		`UPDATE deliveries SET updated_at = updated_at - $1::interval, created_at = created_at - $1::interval`,
		`UPDATE sms_statuses SET updated_at = updated_at - $1::interval`,
		`UPDATE surveys SET created_at = created_at - $1::interval, expires_at = expires_at - $1::interval`,
		`UPDATE customer_interactions SET received_at = received_at - $1::interval`,
		`UPDATE suppressions SET created_at = created_at - $1::interval`,
		`UPDATE inbound_messages SET received_at = received_at - $1::interval`,
		`UPDATE recorded_interactions SET received_at = received_at - $1::interval, ended_at = ended_at - $1::interval`,
	} {
		_, err := st.DB().Exec(q, d.String())
		require.NoError(t, err)
	}
}

func TestPurgeDeletesInBatchesWhatIsOlderThanTheCutoff(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	for _, id := range []string{"C-1", "C-2", "C-3"} {
		writeCustomer(t, st, id, "+1555000000"+id[2:])
	}
	age(t, st, 100*24*time.Hour)
	fresh := writeCustomer(t, st, "C-9", "+15550000009")
	now := time.Now()
	cutoff := now.Add(-90 * 24 * time.Hour)

	first, err := st.Purge(ctx, cutoff, now, 2)
	require.NoError(t, err)
	require.Equal(t, store.Purged{Deliveries: 2, SMSStatuses: 2, Surveys: 2, SurveyAnswers: 2, CustomerInteractions: 2, SuppressionReasons: 2,
		InboundMessages: 2, RecordedInteractions: 2}, first)
	var total store.Purged
	total.Add(first)
	for {
		p, err := st.Purge(ctx, cutoff, now, 2)
		require.NoError(t, err)
		if p.Total() == 0 {
			break
		}
		total.Add(p)
	}

	require.Equal(t, store.Purged{Deliveries: 6, SMSStatuses: 3, Surveys: 3, SurveyAnswers: 3, CustomerInteractions: 3, SuppressionReasons: 3,
		InboundMessages: 3, RecordedInteractions: 3}, total)
	require.Equal(t, 1, count(t, st, "recorded_interactions", "true"), "the young recorded interaction stays")
	require.Equal(t, 1, count(t, st, "inbound_messages", "true"), "the young inbound message stays")
	require.Equal(t, 2, count(t, st, "deliveries", "true"), "what is younger than the cutoff stays")
	require.Equal(t, 2, count(t, st, "deliveries", "workflow_id = $1", fresh.workflowID))
	require.Equal(t, 1, count(t, st, "surveys", "true"))
	require.Equal(t, 4, count(t, st, "suppressions", "true"), "opt-outs stay")
	require.Equal(t, 4, count(t, st, "suppressions", "address IS NOT NULL"), "with their addresses, until erasure")
	require.Equal(t, 1, count(t, st, "suppressions", "reason <> ''"), "only the young reason is left")
	require.Equal(t, 4, count(t, st, "runs", "true"), "run records stay: they are the events' dedupe records")
}

func TestPurgeKeepsASurveyWhoseLinkStillTakesAnswers(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	f := writeCustomer(t, st, "C-1", "+15550000001")
	age(t, st, 100*24*time.Hour)
	_, err := st.DB().Exec(`UPDATE surveys SET expires_at = now() + interval '1 day' WHERE workflow_id = $1`, f.workflowID)
	require.NoError(t, err)

	p, err := st.Purge(ctx, time.Now().Add(-90*24*time.Hour), time.Now(), 100)

	require.NoError(t, err)
	require.Zero(t, p.Surveys)
	require.Zero(t, p.SurveyAnswers)
	require.Equal(t, 1, count(t, st, "surveys", "true"))
}
