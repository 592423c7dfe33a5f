//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

func emailInput(key string) workflows.EmailInput {
	return workflows.EmailInput{
		Key:        key,
		WorkflowID: "post-call/INT-1",
		StepID:     "follow-up",
		To:         "ada@example.com",
		Subject:    "Thanks for calling, Ada",
		Text:       "Hello Ada,\nYour order A-17 ships today.",
		HTML:       "<p>Your order <b>A-17</b> ships today.</p>",
	}
}

// smtpActivities returns activities mailing through a STARTTLS SMTP server
// that requires authentication.
func smtpActivities(t *testing.T) (*activities.Activities, *testenv.SMTP) {
	t.Helper()
	srv := testenv.SMTPServer(t, testenv.SMTPWithSTARTTLS(), testenv.SMTPWithAuth("ccflow", "s3cret"))
	mailer, err := smtp.New(srv.URL(), smtp.WithTLSConfig(srv.ClientTLSConfig()))
	require.NoError(t, err)
	acts := newActivities(t)
	acts.Mailer = mailer
	return acts, srv
}

func TestSendEmailDeliversOverSTARTTLSWithAuth(t *testing.T) {
	acts, srv := smtpActivities(t)
	in := emailInput("post-call/INT-1/follow-up")

	d, err := execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	msgs := srv.WaitForMessages(t, 1, 5*time.Second)
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.True(t, m.TLS, "sent after STARTTLS")
	require.Equal(t, "ccflow", m.AuthUser)
	require.Equal(t, "support@example.com", m.From)
	require.Equal(t, []string{"ada@example.com"}, m.To)
	require.Equal(t, "<support@example.com>", m.Header.Get("From"))
	require.Equal(t, "<ada@example.com>", m.Header.Get("To"))
	require.Equal(t, "Thanks for calling, Ada", m.Subject)
	require.Equal(t, in.Text, m.Text)
	require.Equal(t, in.HTML, m.HTML)
	require.Equal(t, activities.MessageID(in.Key, "support@example.com"), m.Header.Get("Message-Id"))
	require.Regexp(t, `^<[0-9a-f]{32}@example\.com>$`, m.Header.Get("Message-Id"), "the Message-ID is in EMAIL_FROM's domain")

	require.Equal(t, workflows.Delivery{
		ID: in.Key, Channel: "email", To: "ada@example.com", ProviderID: activities.MessageID(in.Key, "support@example.com"), SentAt: d.SentAt,
		Status: workflows.SendSent,
	}, d)
	require.False(t, d.SentAt.IsZero())
	require.Regexp(t, `^<https://surveys\.example\.com/u/ke[0-9a-f]{8}[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}>$`, m.Header.Get("List-Unsubscribe"))
	require.Equal(t, "List-Unsubscribe=One-Click", m.Header.Get("List-Unsubscribe-Post"))
	link := m.Header.Get("List-Unsubscribe")
	// The address in any form a link could carry it; not "ada" alone,
	// which a random token holds now and then (its key id is hex).
	for _, form := range []string{"ada@example.com", url.QueryEscape("ada@example.com"), base64.RawURLEncoding.EncodeToString([]byte("ada@example.com"))} {
		require.NotContains(t, strings.ToLower(link), strings.ToLower(form), "no personal data in the link")
	}
	require.NotContains(t, link, base64.RawURLEncoding.EncodeToString(legacyHash("ada@example.com")), "nor its unkeyed hash")
}

func TestSendEmailRecordsTheSendAsSent(t *testing.T) {
	acts, _ := smtpActivities(t)
	in := emailInput("post-call/INT-1/follow-up")

	_, err := execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
	require.Equal(t, store.DeliverySent, rec.Status)
	require.Equal(t, "follow-up", rec.StepID)
	require.Equal(t, 1, rec.Attempts)
}

func TestSendEmailRefusedWith550IsNonRetryableAndRecordedFailed(t *testing.T) {
	acts, srv := smtpActivities(t)
	srv.FailNext(550, 1)
	in := emailInput("k")

	_, err := execute(t, acts, acts.SendEmail, in)

	appErr := requireNonRetryable(t, err, workflows.ErrTypeSendRejected)
	require.Contains(t, appErr.Error(), "email of step follow-up refused")
	require.Contains(t, appErr.Error(), "550")
	require.NotContains(t, appErr.Error(), "ada@example.com", "the error goes to the history and the worker's log: no recipient, not even in the SMTP server's words or the cause")
	require.Contains(t, appErr.Error(), "<recipient>")
	rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
	require.Equal(t, store.DeliveryFailed, rec.Status)
	require.Contains(t, rec.LastError, "550")
	require.Empty(t, srv.Messages())
}

func TestSendEmailRetriesAfter451AndThenSendsOnce(t *testing.T) {
	acts, srv := smtpActivities(t)
	srv.FailNext(451, 1)
	in := emailInput("k")

	_, err := execute(t, acts, acts.SendEmail, in)
	requireRetryable(t, err)
	rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
	require.Equal(t, store.DeliveryPending, rec.Status)
	require.Contains(t, rec.LastError, "451")

	_, err = execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)
	require.Len(t, srv.Messages(), 1)
	require.Equal(t, 2, deliveryOf(t, acts.Store, in.WorkflowID, in.Key).Attempts)
}

// The server accepted the message and then failed the connection: the
// delivery is sent, on the first attempt, and retries find it so.
func TestSendEmailAcceptedThenRSETOrQUITFailsIsRecordedSentOnce(t *testing.T) {
	for _, fault := range []testenv.AcceptedFault{testenv.RSETRefused, testenv.QUITFailed} {
		t.Run(fmt.Sprint(fault), func(t *testing.T) {
			srv := testenv.SMTPServer(t)
			mailer, err := smtp.New(srv.URL())
			require.NoError(t, err)
			acts := newActivities(t)
			acts.Mailer = mailer
			srv.FailAfterAccepting(fault, 3)
			in := emailInput("k")

			for range 3 { // as many attempts as a retry policy might make
				_, err = execute(t, acts, acts.SendEmail, in)
				require.NoError(t, err)
			}

			require.Len(t, srv.Messages(), 1, "copies the server received")
			rec := deliveryOf(t, acts.Store, in.WorkflowID, in.Key)
			require.Equal(t, store.DeliverySent, rec.Status)
			require.Equal(t, 1, rec.Attempts)
		})
	}
}

func TestSendEmailTwiceWithTheSameKeySendsOnce(t *testing.T) {
	acts, srv := smtpActivities(t)
	in := emailInput("k")
	first, err := execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	second, err := execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	require.True(t, second.AlreadySent)
	require.Equal(t, first.ProviderID, second.ProviderID)
	require.True(t, first.SentAt.Equal(second.SentAt))
	require.Len(t, srv.Messages(), 1)
}

// crashingMailer hands the message to the real mailer and then fails as a
// worker dying before MarkDelivered would: the provider has the message,
// the store does not know.
type crashingMailer struct {
	providers.Mailer
	crashes int
}

func (c *crashingMailer) Send(ctx context.Context, m providers.Email) (string, error) {
	id, err := c.Mailer.Send(ctx, m)
	if err == nil && c.crashes > 0 {
		c.crashes--
		return "", errors.New("worker crashed after the provider accepted")
	}
	return id, err
}

// The one documented gap: a crash between the provider accepting and the
// record being written makes the retry send again. The test pins what
// softens it: both copies carry the same Message-ID.
func TestSendEmailCrashAfterTheProviderAcceptedSendsAgainWithTheSameMessageID(t *testing.T) {
	acts, srv := smtpActivities(t)
	acts.Mailer = &crashingMailer{Mailer: acts.Mailer, crashes: 1}
	in := emailInput("post-call/INT-1/follow-up")

	_, err := execute(t, acts, acts.SendEmail, in)
	requireRetryable(t, err)
	_, err = execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	msgs := srv.Messages()
	require.Len(t, msgs, 2, "the gap: the message went out twice")
	require.Equal(t, activities.MessageID(in.Key, "support@example.com"), msgs[0].Header.Get("Message-Id"))
	require.Equal(t, msgs[0].Header.Get("Message-Id"), msgs[1].Header.Get("Message-Id"))
}

// lateMailer hands the message to the real mailer and then lets the
// attempt's own deadline pass, as a provider that accepts a message at the
// last moment does.
type lateMailer struct {
	providers.Mailer
	expire context.CancelFunc
}

func (l *lateMailer) Send(ctx context.Context, m providers.Email) (string, error) {
	id, err := l.Mailer.Send(ctx, m)
	l.expire()
	return id, err
}

// A message the provider accepted as the attempt ran out is still recorded
// as sent, so no retry sends it again.
func TestSendEmailAcceptedAsTheAttemptRunsOutIsRecordedAsSent(t *testing.T) {
	acts, srv := smtpActivities(t)
	ctx, expire := context.WithCancel(context.Background())
	acts.Mailer = &lateMailer{Mailer: acts.Mailer, expire: expire}
	in := emailInput("post-call/INT-1/late")

	_, err := acts.SendEmail(ctx, in)
	require.NoError(t, err)
	again, err := acts.SendEmail(context.Background(), in)

	require.NoError(t, err)
	require.True(t, again.AlreadySent)
	require.Len(t, srv.Messages(), 1)
}

func TestSendEmailWithWrongCredentialsIsNonRetryable(t *testing.T) {
	srv := testenv.SMTPServer(t, testenv.SMTPWithSTARTTLS(), testenv.SMTPWithAuth("ccflow", "s3cret"))
	mailer, err := smtp.New("smtp://ccflow:wrong@"+srv.Addr(), smtp.WithTLSConfig(srv.ClientTLSConfig()))
	require.NoError(t, err)
	acts := newActivities(t)
	acts.Mailer = mailer

	_, err = execute(t, acts, acts.SendEmail, emailInput("k"))

	appErr := requireNonRetryable(t, err, workflows.ErrTypeSendRejected)
	require.Contains(t, appErr.Error(), "535")
}

func TestSendEmailToAnAddressThatDoesNotParseIsNonRetryable(t *testing.T) {
	acts, srv := smtpActivities(t)
	in := emailInput("k")
	in.To = "not an address"

	_, err := execute(t, acts, acts.SendEmail, in)

	appErr := requireNonRetryable(t, err, workflows.ErrTypeSendRejected)
	require.Contains(t, appErr.Error(), `failed to parse mail address "<recipient>"`, "the recipient, even one that is no address, is left out")
	require.NotContains(t, appErr.Error(), "not an address")
	require.Empty(t, srv.Messages())
}

func TestSendEmailWithoutAKeyIsNonRetryable(t *testing.T) {
	acts, srv := smtpActivities(t)

	_, err := execute(t, acts, acts.SendEmail, emailInput(""))

	_ = requireNonRetryable(t, err, workflows.ErrTypeInvalidInput)
	require.Empty(t, srv.Messages())
}

func TestSendEmailThroughTheOutboxIsRecordedAsSent(t *testing.T) {
	dir := t.TempDir()
	acts := newActivities(t)
	acts.Mailer = outbox.NewMailer(dir)
	in := emailInput("post-call/INT-1/follow-up")

	d, err := execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	files, err := os.ReadDir(filepath.Join(dir, "email"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.Equal(t, files[0].Name(), d.ProviderID)
}

func legacyHash(address string) []byte {
	sum := sha256.Sum256([]byte(address))
	return sum[:]
}
