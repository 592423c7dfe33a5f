package senders_test

import (
	"testing"

	"github.com/stretchr/testify/require"

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
