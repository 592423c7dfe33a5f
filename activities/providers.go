package activities

import "fmt"

// NewMailerFor picks how email leaves: through SMTP when smtpURL is set,
// else into outboxDir, so a system without mail settings still shows a
// person every message it would have sent.
func NewMailerFor(smtpURL, outboxDir string) (Mailer, error) {
	if smtpURL == "" {
		return NewOutboxMailer(outboxDir), nil
	}
	m, err := NewSMTPMailer(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	return m, nil
}

// NewSMSSenderFor picks how SMS leave: through Twilio when c is set, else
// into outboxDir.
func NewSMSSenderFor(c *TwilioConfig, outboxDir string) SMSSender {
	if c == nil {
		return NewOutboxSMS(outboxDir)
	}
	return NewTwilio(*c)
}
