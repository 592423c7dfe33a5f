//go:build integration

// An integration test: `make test` runs it against the Twilio-shaped server of internal/testenv
// (one package: go run ./cmd/devenv test -- go test -tags integration ./providers/twilio).

package twilio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/twilio"
)

func newClient(srv *testenv.TwilioServer) *twilio.Client {
	return twilio.New(twilio.Config{AccountSID: srv.AccountSID, AuthToken: srv.AuthToken, From: "+15550001111", BaseURL: srv.URL + "/"})
}

func reminder() providers.SMS {
	return providers.SMS{To: "+15551234567", Body: "Ada, your order A-17 ships today."}
}

func TestSendCreatesAMessageFromTheConfiguredNumber(t *testing.T) {
	srv := testenv.Twilio(t)

	sid, err := newClient(srv).Send(context.Background(), reminder())
	require.NoError(t, err)

	msgs := srv.WaitForMessages(t, 1, 5*time.Second)
	require.Len(t, msgs, 1)
	require.Equal(t, msgs[0].SID, sid)
	require.Regexp(t, `^SM[0-9a-f]{32}$`, sid)
	require.Equal(t, srv.AccountSID, msgs[0].AccountSID)
	require.Equal(t, "+15550001111", msgs[0].From)
	require.Equal(t, "+15551234567", msgs[0].To)
	require.Equal(t, "Ada, your order A-17 ships today.", msgs[0].Body)
}

func TestSendFromAnotherNumber(t *testing.T) {
	srv := testenv.Twilio(t)
	m := reminder()
	m.From = "+15550002222"

	_, err := newClient(srv).Send(context.Background(), m)
	require.NoError(t, err)

	require.Equal(t, "+15550002222", srv.Messages()[0].From)
}

func TestSendAnswers(t *testing.T) {
	tests := []struct {
		name         string
		status, code int
		permanent    bool
	}{
		{name: "unsubscribed recipient", status: 400, code: 21610, permanent: true},
		{name: "landline cannot receive SMS", status: 400, code: 21614, permanent: true},
		{name: "too many requests", status: 429, code: 20429, permanent: false},
		{name: "Twilio internal error", status: 500, code: 20500, permanent: false},
		{name: "Twilio unavailable", status: 503, code: 20503, permanent: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testenv.Twilio(t)
			srv.FailNext(tt.status, tt.code, 1)

			_, err := newClient(srv).Send(context.Background(), reminder())

			apiErr, ok := errors.AsType[*twilio.APIError](err)
			require.True(t, ok, "want a Twilio API error, got %v", err)
			require.Equal(t, tt.status, apiErr.Status)
			require.Equal(t, tt.code, apiErr.Code)
			require.Equal(t, tt.permanent, errors.Is(err, providers.ErrRejected), "refused for good: %v", err)
			require.ErrorContains(t, err, "Twilio answered")
			require.Empty(t, srv.Messages())
		})
	}
}

func TestSendToAnInvalidNumberIsARefusal(t *testing.T) {
	srv := testenv.Twilio(t)
	m := reminder()
	m.To = "555-CALL-ADA"

	_, err := newClient(srv).Send(context.Background(), m)

	require.ErrorIs(t, err, providers.ErrRejected)
	require.ErrorContains(t, err, "21211")
}

func TestSendWithWrongCredentialsIsARefusal(t *testing.T) {
	srv := testenv.Twilio(t)
	client := twilio.New(twilio.Config{AccountSID: srv.AccountSID, AuthToken: "wrong", From: "+15550001111", BaseURL: srv.URL})

	_, err := client.Send(context.Background(), reminder())

	require.ErrorIs(t, err, providers.ErrRejected)
	require.ErrorContains(t, err, "401")
}

func TestSendWhenTwilioCannotBeReachedMayPassLater(t *testing.T) {
	client := twilio.New(twilio.Config{AccountSID: "AC1", AuthToken: "t", From: "+15550001111", BaseURL: "http://127.0.0.1:1"})

	_, err := client.Send(context.Background(), reminder())

	require.ErrorContains(t, err, "calling Twilio")
	require.NotErrorIs(t, err, providers.ErrRejected)
}
