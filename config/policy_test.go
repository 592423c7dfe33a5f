package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
)

func TestLoadReadsTheContactPolicySettings(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": "secret", "CCFLOW_TIME_ZONE": "America/Chicago", "TWILIO_AUTH_TOKEN": "tok"})
	c, err := config.Load(config.Starter)
	require.NoError(t, err)
	require.Equal(t, "America/Chicago", c.TimeZone)
	require.Equal(t, "tok", c.TwilioAuthToken, "the starter checks webhook signatures with it")

	setEnv(t, map[string]string{"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "tok",
		"TWILIO_MESSAGING_SERVICE_SID": "MG0123456789abcdef0123456789abcdef"})
	c, err = config.Load(config.Worker)
	require.NoError(t, err)
	require.Equal(t, "MG0123456789abcdef0123456789abcdef", c.Twilio.MessagingServiceSID, "no TWILIO_FROM needed then")
}

func TestLoadRejectsBadContactPolicySettings(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": "secret", "CCFLOW_TIME_ZONE": "Eastern"})
	_, err := config.Load(config.Starter)
	require.ErrorContains(t, err, `CCFLOW_TIME_ZONE "Eastern" is not an IANA time zone`)

	setEnv(t, map[string]string{"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "tok", "TWILIO_MESSAGING_SERVICE_SID": "MG1"})
	_, err = config.Load(config.Worker)
	require.ErrorContains(t, err, `TWILIO_MESSAGING_SERVICE_SID "MG1" is not a Messaging Service SID`)
}
