package smtp_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/smtp"
)

func TestNewRejectsBadURLs(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		{url: "http://mail.example.com", want: "scheme must be smtp or smtps"},
		{url: "smtp://", want: "has no host"},
		{url: "smtp://mail.example.com:submission", want: "port"},
		{url: "smtp://user:secret@mail.example.com:x", want: "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := smtp.New(tt.url)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "secret", "errors never show the password")
		})
	}
}

func TestWriteReadableRefusesAnAddressThatDoesNotParse(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		want     string
	}{
		{name: "recipient", from: "support@example.com", to: "not an address", want: `recipient address "not an address"`},
		{name: "sender", from: "not a sender", to: "ada@example.com", want: `sender address "not a sender"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := smtp.WriteReadable(&b, providers.Email{MessageID: "<x@ccflow>", From: tt.from, To: tt.to, Subject: "Hi", Text: "Hello"})

			require.ErrorIs(t, err, providers.ErrRejected)
			require.ErrorContains(t, err, tt.want)
			require.Zero(t, b.Len())
		})
	}
}
