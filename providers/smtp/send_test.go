//go:build integration

// An integration test: `make test` runs it against the loopback SMTP server of internal/testenv
// (one package: go run ./cmd/devenv test -- go test -tags integration ./providers/smtp).

package smtp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/smtp"
)

func hello() providers.Email {
	return providers.Email{
		MessageID: "<0f6e1b2a@ccflow>", From: "support@example.com", To: "ada@example.com", Subject: "Hi", Text: "Hello",
	}
}

// startTLSMailer returns a mailer sending through a STARTTLS SMTP server
// that requires authentication.
func startTLSMailer(t *testing.T) (*smtp.Mailer, *testenv.SMTP) {
	t.Helper()
	srv := testenv.SMTPServer(t, testenv.SMTPWithSTARTTLS(), testenv.SMTPWithAuth("ccflow", "s3cret"))
	mailer, err := smtp.New(srv.URL(), smtp.WithTLSConfig(srv.ClientTLSConfig()))
	require.NoError(t, err)
	return mailer, srv
}

func TestSendDeliversOverSTARTTLSWithAuth(t *testing.T) {
	mailer, srv := startTLSMailer(t)
	m := hello()
	m.HTML = "<p>Hello</p>"

	id, err := mailer.Send(context.Background(), m)
	require.NoError(t, err)

	require.Equal(t, "<0f6e1b2a@example.com>", id, "the Message-ID, in the sender's domain, is the provider id")
	msgs := srv.WaitForMessages(t, 1, 5*time.Second)
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].TLS, "sent after STARTTLS")
	require.Equal(t, "ccflow", msgs[0].AuthUser)
	require.Equal(t, id, msgs[0].Header.Get("Message-Id"))
	require.Equal(t, "Hello", msgs[0].Text)
	require.Equal(t, "<p>Hello</p>", msgs[0].HTML)
}

func TestSendRefusals(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		permanent bool
	}{
		{name: "a 5xx reply is a refusal", code: 550, permanent: true},
		{name: "a 4xx reply may pass later", code: 451, permanent: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mailer, srv := startTLSMailer(t)
			srv.FailNext(tt.code, 1)

			_, err := mailer.Send(context.Background(), hello())

			require.ErrorContains(t, err, "SMTP server 127.0.0.1:")
			require.Equal(t, tt.permanent, errors.Is(err, providers.ErrRejected), "refused for good: %v", err)
			require.Empty(t, srv.Messages())
		})
	}
}

func TestSendWithWrongCredentialsIsARefusal(t *testing.T) {
	srv := testenv.SMTPServer(t, testenv.SMTPWithSTARTTLS(), testenv.SMTPWithAuth("ccflow", "s3cret"))
	mailer, err := smtp.New("smtp://ccflow:wrong@"+srv.Addr(), smtp.WithTLSConfig(srv.ClientTLSConfig()))
	require.NoError(t, err)

	_, err = mailer.Send(context.Background(), hello())

	require.ErrorIs(t, err, providers.ErrRejected)
	require.ErrorContains(t, err, "535")
	require.NotContains(t, err.Error(), "wrong", "errors never show the password")
}

func TestSendToAnAddressThatDoesNotParseIsARefusal(t *testing.T) {
	mailer, srv := startTLSMailer(t)
	m := hello()
	m.To = "not an address"

	_, err := mailer.Send(context.Background(), m)

	require.ErrorIs(t, err, providers.ErrRejected)
	require.ErrorContains(t, err, `"not an address"`)
	require.Empty(t, srv.Messages())
}

func TestSendWhenTheServerCannotBeReachedMayPassLater(t *testing.T) {
	mailer, err := smtp.New("smtp://127.0.0.1:1")
	require.NoError(t, err)

	_, err = mailer.Send(context.Background(), hello())

	require.ErrorContains(t, err, "SMTP server 127.0.0.1:1")
	require.NotErrorIs(t, err, providers.ErrRejected)
}

func TestSMTPMailerNeverSendsCredentialsWithoutTLS(t *testing.T) {
	srv := testenv.SMTPServer(t)
	mailer, err := smtp.New("smtp://ccflow:s3cret@" + srv.Addr())
	require.NoError(t, err)

	_, err = mailer.Send(context.Background(), providers.Email{
		MessageID: "<x@ccflow>", From: "support@example.com", To: "ada@example.com", Subject: "Hi", Text: "Hello",
	})

	require.ErrorContains(t, err, "STARTTLS")
	require.Empty(t, srv.Messages())
}

func TestSMTPMailerSendsWithoutTLSWhenNoCredentialsAreGiven(t *testing.T) {
	srv := testenv.SMTPServer(t)
	mailer, err := smtp.New(srv.URL())
	require.NoError(t, err)

	_, err = mailer.Send(context.Background(), providers.Email{
		MessageID: "<x@ccflow>", From: "support@example.com", To: "ada@example.com", Subject: "Hi", Text: "Hello",
	})

	require.NoError(t, err)
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.False(t, msgs[0].TLS)
	require.Equal(t, "Hello", msgs[0].Text)
	require.Empty(t, msgs[0].HTML)
}

func TestSMTPMailerSpeaksImplicitTLSForSMTPS(t *testing.T) {
	srv := testenv.SMTPServer(t, testenv.SMTPWithImplicitTLS(), testenv.SMTPWithAuth("ccflow", "s3cret"))
	mailer, err := smtp.New(srv.URL(), smtp.WithTLSConfig(srv.ClientTLSConfig()))
	require.NoError(t, err)

	_, err = mailer.Send(context.Background(), providers.Email{
		MessageID: "<x@ccflow>", From: "support@example.com", To: "ada@example.com", Subject: "Hi", HTML: "<p>Hello</p>",
	})

	require.NoError(t, err)
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].TLS)
	require.Equal(t, "<p>Hello</p>", msgs[0].HTML)
}

// A server that answered 250 to the message's data has taken it: a
// failure after that (an RSET answered 502, a QUIT answered 421) is no
// refusal and no reason to send it again. The test retries as the
// activity's retry policy would, as long as Send asks for it, and counts
// the copies the server received.
func TestSendAcceptedByTheServerIsSentWhateverFailsAfter(t *testing.T) {
	tests := []struct {
		name  string
		fault testenv.AcceptedFault
	}{
		{name: "RSET answered 502", fault: testenv.RSETRefused},
		{name: "QUIT answered 421 and the connection dropped", fault: testenv.QUITFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testenv.SMTPServer(t)
			mailer, err := smtp.New(srv.URL())
			require.NoError(t, err)
			srv.FailAfterAccepting(tt.fault, 3)
			m := hello()

			var errs []error
			for attempt := 1; attempt <= 3; attempt++ {
				id, err := mailer.Send(context.Background(), m)
				if err == nil {
					require.Equal(t, "<0f6e1b2a@example.com>", id)
					break
				}
				errs = append(errs, err)
				if errors.Is(err, providers.ErrRejected) {
					break // a refusal is not retried: the step's on_error runs
				}
			}

			require.Empty(t, errs, "the server accepted the message")
			require.Len(t, srv.Messages(), 1, "copies the server received")
		})
	}
}

// A survey email: text and HTML as alternatives, the logo beside them as
// an inline image the HTML shows by its Content-ID, the Message-ID in the
// sender's domain, through a real SMTP server.
func TestSendWritesAlternativesWithTheirInlineImage(t *testing.T) {
	srv := testenv.SMTPServer(t)
	mailer, err := smtp.New(srv.URL())
	require.NoError(t, err)
	logo := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	m := providers.Email{MessageID: "<5e1f@ignored.example>", From: "Acme Support <care@Acme.EXAMPLE>", To: "ada@example.com",
		Subject: "How did we do?", Text: "Rate us: https://cc.example/s/t", HTML: `<img src="cid:logo-1@acme.example"><p>Rate us</p>`,
		Inline: []providers.Inline{{ContentID: "logo-1@acme.example", Name: "logo.png", Type: "image/png", Data: logo}}}

	id, err := mailer.Send(context.Background(), m)

	require.NoError(t, err)
	require.Equal(t, "<5e1f@acme.example>", id)
	got := srv.WaitForMessages(t, 1, 5*time.Second)[0]
	require.Equal(t, id, got.Header.Get("Message-Id"))
	require.Equal(t, "Rate us: https://cc.example/s/t", got.Text)
	require.Equal(t, `<img src="cid:logo-1@acme.example"><p>Rate us</p>`, got.HTML)
	require.Contains(t, got.Header.Get("Content-Type"), "multipart/related")
	require.Contains(t, string(got.Raw), "multipart/alternative")
	require.Contains(t, string(got.Raw), "Content-Id: <logo-1@acme.example>")
	require.Equal(t, testenv.InlinePart{Type: "image/png", Data: logo}, got.Inline["logo-1@acme.example"])
	require.Contains(t, got.HTMLAsAClientShowsIt(), `<img src="data:image/png;base64,`)
}
