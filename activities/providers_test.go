package activities_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
)

func TestMailerForSendsThroughSMTPOnlyWhenConfigured(t *testing.T) {
	outbox, err := activities.NewMailerFor("", t.TempDir())
	require.NoError(t, err)
	require.IsType(t, &activities.OutboxMailer{}, outbox)

	smtp, err := activities.NewMailerFor("smtp://127.0.0.1:2525", t.TempDir())
	require.NoError(t, err)
	require.IsType(t, &activities.SMTPMailer{}, smtp)
}

func TestMailerForNamesTheVariableOfABadURL(t *testing.T) {
	_, err := activities.NewMailerFor("http://mail.example.com", t.TempDir())
	require.ErrorContains(t, err, "SMTP_URL")
}

func TestSMSSenderForUsesTwilioOnlyWhenConfigured(t *testing.T) {
	require.IsType(t, &activities.OutboxSMS{}, activities.NewSMSSenderFor(nil, t.TempDir()))
	twilio := activities.NewSMSSenderFor(&activities.TwilioConfig{AccountSID: "AC1", AuthToken: "t", From: "+15550000000"}, t.TempDir())
	require.IsType(t, &activities.Twilio{}, twilio)
}
