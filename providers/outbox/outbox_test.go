package outbox_test

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/outbox"
)

// onlyFile returns the one file in dir, failing when there is not exactly one.
func onlyFile(t *testing.T, dir string) (name string, content []byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "files in %s", dir)
	content, err = os.ReadFile(filepath.Join(dir, entries[0].Name()))
	require.NoError(t, err)
	return entries[0].Name(), content
}

func TestOutboxMailerWritesAReadableEmailFile(t *testing.T) {
	dir := t.TempDir()
	m := providers.Email{
		MessageID: "<4d9bd3e0c1a2f7b65e8a90c1d2e3f4a5@ccflow>",
		From:      "support@example.com",
		To:        "ada@example.com",
		Subject:   "Thanks for calling, Ada",
		Text:      "Hello Ada,\nyour order A-17 ships today.",
		HTML:      "<p>Your order <b>A-17</b> ships today.</p>",
	}

	id, err := outbox.NewMailer(dir).Send(context.Background(), m)
	require.NoError(t, err)

	name, content := onlyFile(t, filepath.Join(dir, "email"))
	require.Equal(t, name, id)
	require.Equal(t, ".eml", filepath.Ext(name))
	// Readable as it is: no quoted-printable or base64 in the way.
	require.Contains(t, string(content), "your order A-17 ships today.")
	require.Contains(t, string(content), "<p>Your order <b>A-17</b> ships today.</p>")
	msg, err := mail.ReadMessage(bytes.NewReader(content))
	require.NoError(t, err)
	require.Equal(t, "Thanks for calling, Ada", msg.Header.Get("Subject"))
	require.Equal(t, "<ada@example.com>", msg.Header.Get("To"))
	require.Equal(t, "<4d9bd3e0c1a2f7b65e8a90c1d2e3f4a5@example.com>", msg.Header.Get("Message-Id"),
		"the Message-ID carries the sender's domain")
}

func TestOutboxSMSWritesAReadableTextFile(t *testing.T) {
	dir := t.TempDir()
	sender := outbox.NewSMSSender(dir)

	id, err := sender.Send(context.Background(), providers.SMS{To: "+15551234567", Body: "Ada, your order A-17 ships today."})
	require.NoError(t, err)

	name, content := onlyFile(t, filepath.Join(dir, "sms"))
	require.Equal(t, name, id)
	require.Equal(t, ".txt", filepath.Ext(name))
	require.Contains(t, string(content), "To: +15551234567\n")
	require.Contains(t, string(content), "\n\nAda, your order A-17 ships today.\n")
}

// Outbox files hold customers' addresses and messages: only the worker's
// user may read them.
func TestOutboxFilesAreTheWorkersUsersAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	_, err := outbox.NewMailer(dir).Send(context.Background(), providers.Email{
		MessageID: "<1@ccflow>", From: "support@example.com", To: "ada@example.com", Subject: "Hi", Text: "Hello",
	})
	require.NoError(t, err)
	_, err = outbox.NewSMSSender(dir).Send(context.Background(), providers.SMS{To: "+15551234567", Body: "Hello"})
	require.NoError(t, err)

	for _, sub := range []string{"", "email", "sms"} {
		info, err := os.Stat(filepath.Join(dir, sub))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "folder %q", sub)
	}
	for _, sub := range []string{"email", "sms"} {
		name, _ := onlyFile(t, filepath.Join(dir, sub))
		info, err := os.Stat(filepath.Join(dir, sub, name))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "file %s", name)
	}
}

// A folder made by an earlier version, readable by all, is closed too.
func TestOutboxClosesAFolderOthersCouldRead(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sms"), 0o755))
	require.NoError(t, os.Chmod(filepath.Join(dir, "sms"), 0o755))

	_, err := outbox.NewSMSSender(dir).Send(context.Background(), providers.SMS{To: "+15551234567", Body: "Hello"})
	require.NoError(t, err)

	info, err := os.Stat(filepath.Join(dir, "sms"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
}

func TestPurgeDeletesTheMessagesWrittenBeforeTheCutoff(t *testing.T) {
	dir := t.TempDir()
	_, err := outbox.NewMailer(dir).Send(context.Background(), providers.Email{From: "care@example.com", To: "ada@example.com", Subject: "old", Text: "old"})
	require.NoError(t, err)
	_, err = outbox.NewSMSSender(dir).Send(context.Background(), providers.SMS{To: "+15551234567", Body: "old"})
	require.NoError(t, err)
	old := time.Now().Add(-100 * 24 * time.Hour)
	for _, sub := range []string{"email", "sms"} {
		files, err := os.ReadDir(filepath.Join(dir, sub))
		require.NoError(t, err)
		for _, f := range files {
			require.NoError(t, os.Chtimes(filepath.Join(dir, sub, f.Name()), old, old))
		}
	}
	_, err = outbox.NewSMSSender(dir).Send(context.Background(), providers.SMS{To: "+15557654321", Body: "new"})
	require.NoError(t, err)

	deleted, err := outbox.Purge(dir, time.Now().Add(-90*24*time.Hour))

	require.NoError(t, err)
	require.Equal(t, 2, deleted)
	left, err := os.ReadDir(filepath.Join(dir, "sms"))
	require.NoError(t, err)
	require.Len(t, left, 1)
	emails, err := os.ReadDir(filepath.Join(dir, "email"))
	require.NoError(t, err)
	require.Empty(t, emails)

	none, err := outbox.Purge(filepath.Join(dir, "missing"), time.Now())
	require.NoError(t, err)
	require.Zero(t, none, "an outbox never written holds nothing")
}
