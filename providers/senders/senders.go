// Package senders picks how the worker's email and SMS leave: through SMTP
// and Twilio when they are configured, else into the outbox folder when one
// is asked for (CCFLOW_OUTBOX_DIR, which `make dev` sets), so a development
// system shows a person every message it would have sent. Without either,
// every send fails for good, saying what to set: a production worker that
// lost its settings must not record messages as sent that went nowhere.
package senders

import (
	"context"
	"fmt"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/providers/twilio"
)

// What a worker without a provider for a channel says, in its sends'
// errors and in its warnings at start.
const (
	noEmailProvider = "no email provider configured (set SMTP_URL, or CCFLOW_OUTBOX_DIR for development)"
	noSMSProvider   = "no SMS provider configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or CCFLOW_OUTBOX_DIR for development)"
)

// NewMailer sends through SMTP when smtpURL (SMTP_URL) is set, else into
// outboxDir when it is set, else nowhere: every send fails with a
// NotConfiguredError.
func NewMailer(smtpURL, outboxDir string) (providers.Mailer, error) {
	switch {
	case smtpURL != "":
		m, err := smtp.New(smtpURL)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		return m, nil
	case outboxDir != "":
		return outbox.NewMailer(outboxDir), nil
	}
	return noMailer{}, nil
}

// NewSMSSender sends through Twilio when c is set, else into outboxDir when
// it is set, else nowhere: every send fails with a NotConfiguredError.
func NewSMSSender(c *twilio.Config, outboxDir string) providers.SMSSender {
	switch {
	case c != nil:
		return twilio.New(*c)
	case outboxDir != "":
		return outbox.NewSMSSender(outboxDir)
	}
	return noSMSSender{}
}

// Warnings says, for the worker's log at start, which channel cannot send
// at all and which goes to the outbox instead of to customers.
func Warnings(smtpURL string, c *twilio.Config, outboxDir string) []string {
	var out []string
	switch {
	case smtpURL != "":
	case outboxDir != "":
		out = append(out, fmt.Sprintf("email goes to the outbox folder %s, not to customers (CCFLOW_OUTBOX_DIR is for development; set SMTP_URL to send)", outboxDir))
	default:
		out = append(out, noEmailProvider+": every email step will fail")
	}
	switch {
	case c != nil:
	case outboxDir != "":
		out = append(out, fmt.Sprintf("SMS go to the outbox folder %s, not to customers (CCFLOW_OUTBOX_DIR is for development; set TWILIO_* to send)", outboxDir))
	default:
		out = append(out, noSMSProvider+": every SMS step will fail")
	}
	return out
}

// NotConfiguredError is the failure of every send on a channel the worker
// has no provider for. It is a permanent refusal (providers.ErrRejected):
// retrying cannot help until the worker is configured and restarted.
type NotConfiguredError struct {
	reason string
}

func (e *NotConfiguredError) Error() string { return e.reason }

// Is makes the error a providers.ErrRejected.
func (e *NotConfiguredError) Is(target error) bool { return target == providers.ErrRejected }

// noMailer is the Mailer of a worker without an email provider.
type noMailer struct{}

func (noMailer) Send(context.Context, providers.Email) (string, error) {
	return "", &NotConfiguredError{reason: noEmailProvider}
}

// noSMSSender is the SMSSender of a worker without an SMS provider.
type noSMSSender struct{}

func (noSMSSender) Send(context.Context, providers.SMS) (string, error) {
	return "", &NotConfiguredError{reason: noSMSProvider}
}
