// Package outbox writes email and SMS to files instead of sending them: the
// local default when no SMTP server or Twilio account is configured, so a
// person can read what customers would get.
package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/smtp"
)

// Mailer writes each email as an .eml file under dir/email/.
type Mailer struct {
	dir string
}

var _ providers.Mailer = (*Mailer)(nil)

// NewMailer returns a mailer writing under dir/email/.
func NewMailer(dir string) *Mailer {
	return &Mailer{dir: filepath.Join(dir, "email")}
}

// Send writes m, unencoded so the file reads as plain text, and returns the
// file's name as the provider id.
func (o *Mailer) Send(_ context.Context, m providers.Email) (string, error) {
	var b bytes.Buffer
	if err := smtp.WriteReadable(&b, m); err != nil {
		return "", err
	}
	idLeft, _, _ := strings.Cut(strings.Trim(providers.MessageID(m.MessageID, m.From), "<>"), "@")
	return writeFile(o.dir, fileName(idLeft, ".eml"), b.Bytes())
}

// SMSSender writes each SMS as a .txt file under dir/sms/.
type SMSSender struct {
	dir string
}

var _ providers.SMSSender = (*SMSSender)(nil)

// NewSMSSender returns an SMS sender writing under dir/sms/.
func NewSMSSender(dir string) *SMSSender {
	return &SMSSender{dir: filepath.Join(dir, "sms")}
}

// Send writes m and returns the file's name as the provider id.
func (o *SMSSender) Send(_ context.Context, m providers.SMS) (string, error) {
	from := m.From
	if from == "" {
		from = "(default sender)"
	}
	content := fmt.Sprintf("From: %s\nTo: %s\nDate: %s\n\n%s\n", from, m.To, time.Now().UTC().Format(time.RFC1123Z), m.Body)
	return writeFile(o.dir, fileName(m.To, ".txt"), []byte(content))
}

// fileName starts with the time so that listing the folder shows messages
// in the order they were sent.
func fileName(tag, ext string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, tag)
	return time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + safe + ext
}

// writeFile writes through a temporary file and a rename, so a person or a
// tool watching the folder never sees half a message. Files and folders
// are the worker's user's alone (0600 in 0700): they hold customers'
// addresses and messages. A folder an earlier version made readable by
// all is closed on the next write.
func writeFile(dir, name string, content []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating outbox folder %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("closing outbox folder %s to other users: %w", dir, err)
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
	if err := tmp.Chmod(0o600); err != nil {
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

// Purge deletes the messages written under dir (its email/ and sms/
// folders) before cutoff, as the retention run does with every other
// record of a message, and returns how many it deleted. A folder that does
// not exist holds nothing to delete.
func Purge(dir string, cutoff time.Time) (int, error) {
	deleted := 0
	for _, sub := range []string{"email", "sms"} {
		folder := filepath.Join(dir, sub)
		files, err := os.ReadDir(folder)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return deleted, fmt.Errorf("listing outbox folder %s: %w", folder, err)
		}
		for _, f := range files {
			if !f.Type().IsRegular() {
				continue
			}
			info, err := f.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return deleted, fmt.Errorf("reading outbox file %s: %w", filepath.Join(folder, f.Name()), err)
			}
			if !info.ModTime().Before(cutoff) {
				continue
			}
			if err := os.Remove(filepath.Join(folder, f.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return deleted, fmt.Errorf("deleting outbox file %s: %w", filepath.Join(folder, f.Name()), err)
			}
			deleted++
		}
	}
	return deleted, nil
}
