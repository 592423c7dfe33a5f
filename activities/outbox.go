package activities

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// OutboxMailer writes each email as an .eml file under dir/email/ instead of
// sending it: the local default when no SMTP server is configured, so a
// person can read what customers would get.
type OutboxMailer struct {
	dir string
}

// NewOutboxMailer returns a mailer writing under dir/email/.
func NewOutboxMailer(dir string) *OutboxMailer {
	return &OutboxMailer{dir: filepath.Join(dir, "email")}
}

// Send writes m, unencoded so the file reads as plain text, and returns the
// file's name as the provider id.
func (o *OutboxMailer) Send(_ context.Context, m Email) (string, error) {
	msg, err := buildMessage(m, mail.NoEncoding)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return "", fmt.Errorf("writing email %s: %w", m.MessageID, err)
	}
	idLeft, _, _ := strings.Cut(strings.Trim(m.MessageID, "<>"), "@")
	return writeOutboxFile(o.dir, outboxName(idLeft, ".eml"), b.Bytes())
}

// OutboxSMS writes each SMS as a .txt file under dir/sms/ instead of
// sending it.
type OutboxSMS struct {
	dir string
}

// NewOutboxSMS returns an SMS sender writing under dir/sms/.
func NewOutboxSMS(dir string) *OutboxSMS {
	return &OutboxSMS{dir: filepath.Join(dir, "sms")}
}

// Send writes m and returns the file's name as the provider id.
func (o *OutboxSMS) Send(_ context.Context, m SMS) (string, error) {
	from := m.From
	if from == "" {
		from = "(default sender)"
	}
	content := fmt.Sprintf("From: %s\nTo: %s\nDate: %s\n\n%s\n", from, m.To, time.Now().UTC().Format(time.RFC1123Z), m.Body)
	return writeOutboxFile(o.dir, outboxName(m.To, ".txt"), []byte(content))
}

// outboxName starts with the time so that listing the folder shows messages
// in the order they were sent.
func outboxName(tag, ext string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, tag)
	return time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + safe + ext
}

// writeOutboxFile writes through a temporary file and a rename, so a person
// or a tool watching the folder never sees half a message.
func writeOutboxFile(dir, name string, content []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating outbox folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".writing-*")
	if err != nil {
		return "", fmt.Errorf("writing outbox file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return "", fmt.Errorf("writing outbox file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", fmt.Errorf("writing outbox file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("writing outbox file %s: %w", tmp.Name(), err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("writing outbox file %s: %w", path, err)
	}
	return name, nil
}
