// Package senders picks how the worker's email and SMS leave: through SMTP
// and Twilio when they are configured, else into the outbox folder, so a
// system without those settings still shows a person every message it
// would have sent.
package senders

import (
	"fmt"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/providers/twilio"
)

// NewMailer sends through SMTP when smtpURL (SMTP_URL) is set, else into
// outboxDir.
func NewMailer(smtpURL, outboxDir string) (providers.Mailer, error) {
	if smtpURL == "" {
		return outbox.NewMailer(outboxDir), nil
	}
	m, err := smtp.New(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	return m, nil
}

// NewSMSSender sends through Twilio when c is set, else into outboxDir.
func NewSMSSender(c *twilio.Config, outboxDir string) providers.SMSSender {
	if c == nil {
		return outbox.NewSMSSender(outboxDir)
	}
	return twilio.New(*c)
}
