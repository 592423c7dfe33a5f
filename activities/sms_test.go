//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

func smsInput(key string) workflows.SMSInput {
	return workflows.SMSInput{
		Key:        key,
		WorkflowID: "post-call/INT-1",
		StepID:     "reminder",
		To:         "+15551234567",
		Text:       "Ada, your order A-17 ships today.",
	}
}

// twilioActivities returns activities texting through a Twilio-shaped server.
func twilioActivities(t *testing.T) (*activities.Activities, *testenv.TwilioServer) {
	t.Helper()
	srv := testenv.Twilio(t)
	acts := newActivities(t)
	acts.SMS = twilio.New(twilio.Config{
		AccountSID: srv.AccountSID,
		AuthToken:  srv.AuthToken,
		From:       "+15550001111",
		BaseURL:    srv.URL,
	})
	return acts, srv
}

func TestSendSMSDeliversThroughTwilio(t *testing.T) {
	acts, srv := twilioActivities(t)
	in := smsInput("post-call/INT-1/reminder")

	d, err := execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)

	msgs := srv.WaitForMessages(t, 1, 5*time.Second)
	require.Len(t, msgs, 1)
	require.Equal(t, "+15550001111", msgs[0].From)
	require.Equal(t, "+15551234567", msgs[0].To)
	require.Equal(t, in.Text, msgs[0].Body)
	require.Equal(t, msgs[0].SID, d.ProviderID)
	require.Regexp(t, `^SM[0-9a-f]{32}$`, d.ProviderID)
	rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
	require.Equal(t, store.DeliverySent, rec.Status)
	require.Equal(t, "sms", rec.Channel)
}

func TestSendSMSToAnInvalidNumberIsNonRetryableAndRecordedFailed(t *testing.T) {
	acts, srv := twilioActivities(t)
	in := smsInput("k")
	in.To = "555-CALL-ADA"

	_, err := execute(t, acts, acts.SendSMS, in)

	appErr := requireNonRetryable(t, err, workflows.ErrTypeSendRejected)
	require.Contains(t, appErr.Error(), "sms of step reminder refused")
	require.Contains(t, appErr.Error(), "21211")
	require.NotContains(t, appErr.Error(), "555-CALL-ADA", "Twilio's words repeat the number: it is left out")
	require.Equal(t, store.DeliveryFailed, deliveryOf(t, acts.Store, in.WorkflowID, in.Key).Status)
	require.Empty(t, srv.Messages())
}

func TestSendSMSWithWrongCredentialsIsNonRetryable(t *testing.T) {
	acts, srv := twilioActivities(t)
	acts.SMS = twilio.New(twilio.Config{
		AccountSID: srv.AccountSID, AuthToken: "wrong", From: "+15550001111", BaseURL: srv.URL,
	})

	_, err := execute(t, acts, acts.SendSMS, smsInput("k"))

	appErr := requireNonRetryable(t, err, workflows.ErrTypeSendRejected)
	require.Contains(t, appErr.Error(), "401")
}

func TestSendSMSProviderRefusals(t *testing.T) {
	tests := []struct {
		name         string
		status, code int
		permanent    bool
	}{
		{name: "landline cannot receive SMS", status: 400, code: 21614, permanent: true},
		{name: "too many requests", status: 429, code: 20429, permanent: false},
		{name: "Twilio internal error", status: 500, code: 20500, permanent: false},
		{name: "Twilio unavailable", status: 503, code: 20503, permanent: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts, srv := twilioActivities(t)
			srv.FailNext(tt.status, tt.code, 1)
			in := smsInput("k")

			_, err := execute(t, acts, acts.SendSMS, in)

			rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
			if tt.permanent {
				_ = requireNonRetryable(t, err, workflows.ErrTypeSendRejected)
				require.Equal(t, store.DeliveryFailed, rec.Status)
			} else {
				requireRetryable(t, err)
				require.Equal(t, store.DeliveryPending, rec.Status)
			}
			require.Contains(t, rec.LastError, "Twilio answered")
		})
	}
}

func TestSendSMSRetriesAfterATransientErrorAndThenSendsOnce(t *testing.T) {
	acts, srv := twilioActivities(t)
	srv.FailNext(429, 20429, 1)
	in := smsInput("k")
	_, err := execute(t, acts, acts.SendSMS, in)
	requireRetryable(t, err)

	_, err = execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)

	require.Len(t, srv.Messages(), 1)
	require.Equal(t, 2, deliveryOf(t, acts.Store, in.WorkflowID, in.Key).Attempts)
}

func TestSendSMSTwiceWithTheSameKeySendsOnce(t *testing.T) {
	acts, srv := twilioActivities(t)
	in := smsInput("k")
	first, err := execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)

	second, err := execute(t, acts, acts.SendSMS, in)
	require.NoError(t, err)

	require.True(t, second.AlreadySent)
	require.Equal(t, first.ProviderID, second.ProviderID)
	require.Len(t, srv.Messages(), 1)
}

func TestSendSMSWhenTwilioCannotBeReachedIsRetryable(t *testing.T) {
	acts := newActivities(t)
	acts.SMS = twilio.New(twilio.Config{
		AccountSID: "AC1", AuthToken: "t", From: "+15550001111", BaseURL: "http://127.0.0.1:1",
	})

	_, err := execute(t, acts, acts.SendSMS, smsInput("k"))

	requireRetryable(t, err)
	require.ErrorContains(t, err, "calling Twilio")
}
