package twilio_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers/twilio"
)

func TestAPIErrorIsPermanentForEvery4xxButNotNow(t *testing.T) {
	tests := []struct {
		status    int
		permanent bool
	}{
		{status: 400, permanent: true},
		{status: 401, permanent: true},
		{status: 404, permanent: true},
		{status: 408, permanent: false},
		{status: 429, permanent: false},
		{status: 500, permanent: false},
		{status: 503, permanent: false},
	}
	for _, tt := range tests {
		e := &twilio.APIError{Status: tt.status, Code: 20000 + tt.status, Message: "m"}
		require.Equal(t, tt.permanent, e.Permanent(), "status %d", tt.status)
	}
}

func TestAPIErrorSaysWhatTwilioAnswered(t *testing.T) {
	e := &twilio.APIError{Status: 400, Code: 21211, Message: "Invalid 'To' Phone Number: 555"}

	require.Equal(t, "Twilio answered 400, error 21211: Invalid 'To' Phone Number: 555", e.Error())
}
