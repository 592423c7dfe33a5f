package senders_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/senders"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/providers/twilio"
)

func TestNewMailerSendsThroughSMTPOnlyWhenConfigured(t *testing.T) {
	toOutbox, err := senders.NewMailer("", t.TempDir())
	require.NoError(t, err)
	require.IsType(t, &outbox.Mailer{}, toOutbox)

	toSMTP, err := senders.NewMailer("smtp://127.0.0.1:2525", t.TempDir())
	require.NoError(t, err)
	require.IsType(t, &smtp.Mailer{}, toSMTP)
}

func TestNewMailerNamesTheVariableOfABadURL(t *testing.T) {
	_, err := senders.NewMailer("http://mail.example.com", t.TempDir())
	require.ErrorContains(t, err, "SMTP_URL")
}

func TestNewSMSSenderUsesTwilioOnlyWhenConfigured(t *testing.T) {
	require.IsType(t, &outbox.SMSSender{}, senders.NewSMSSender(nil, t.TempDir()))
	toTwilio := senders.NewSMSSender(&twilio.Config{AccountSID: "AC1", AuthToken: "t", From: "+15550000000"}, t.TempDir())
	require.IsType(t, &twilio.Client{}, toTwilio)
}

// The outbox is a development tool: without a provider and without an
// outbox folder asked for, every send fails for good, saying what to set,
// instead of landing in a folder nobody reads.
func TestWithoutAProviderOrAnOutboxEverySendFailsSayingWhatToSet(t *testing.T) {
	mailer, err := senders.NewMailer("", "")
	require.NoError(t, err)
	sms := senders.NewSMSSender(nil, "")

	_, mailErr := mailer.Send(context.Background(), providers.Email{To: "ada@example.com", Subject: "Hi", Text: "Hello"})
	_, smsErr := sms.Send(context.Background(), providers.SMS{To: "+15551234567", Body: "Hello"})

	require.EqualError(t, mailErr, "no email provider configured (set SMTP_URL, or CCFLOW_OUTBOX_DIR for development)")
	require.EqualError(t, smsErr, "no SMS provider configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or CCFLOW_OUTBOX_DIR for development)")
	require.True(t, errors.Is(mailErr, providers.ErrRejected), "a send that can never pass is not retried")
	require.True(t, errors.Is(smsErr, providers.ErrRejected), "a send that can never pass is not retried")
}

func TestWarningsSayWhatAWorkerCannotSendAndWhatGoesToTheOutbox(t *testing.T) {
	tw := &twilio.Config{AccountSID: "AC1", AuthToken: "t", From: "+15550000000"}
	tests := []struct {
		name      string
		smtpURL   string
		twilio    *twilio.Config
		outboxDir string
		want      []string
	}{
		{name: "both providers", smtpURL: "smtp://mail:25", twilio: tw, outboxDir: "/var/outbox"},
		{name: "nothing at all", want: []string{
			"no email provider configured (set SMTP_URL, or CCFLOW_OUTBOX_DIR for development): every email step will fail",
			"no SMS provider configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or CCFLOW_OUTBOX_DIR for development): every SMS step will fail",
		}},
		{name: "outbox only", outboxDir: "/var/outbox", want: []string{
			"email goes to the outbox folder /var/outbox, not to customers (CCFLOW_OUTBOX_DIR is for development; set SMTP_URL to send)",
			"SMS go to the outbox folder /var/outbox, not to customers (CCFLOW_OUTBOX_DIR is for development; set TWILIO_* to send)",
		}},
		{name: "SMTP only", smtpURL: "smtp://mail:25", want: []string{
			"no SMS provider configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or CCFLOW_OUTBOX_DIR for development): every SMS step will fail",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, senders.Warnings(tt.smtpURL, tt.twilio, tt.outboxDir))
		})
	}
}
