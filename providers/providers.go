// Package providers is how ccflow's messages and requests leave the worker:
// the services it sends through, kept apart from the Temporal activities
// that call them, so each can be tested and replaced on its own.
//
// This package holds what the activities program against: the messages
// (Email, SMS), the small Mailer and SMSSender interfaces, ErrRejected and
// the Timeout of one call. The providers live in its subpackages:
//
//   - smtp: email through an SMTP server (go-mail);
//   - twilio: SMS through Twilio's Messages API;
//   - outbox: email and SMS written as files, for development;
//   - senders: picks one of those from the worker's settings;
//   - httpcall: the requests of http_request steps, external ones behind
//     netguard's SSRF guard and internal ones through connections.
//
// Providers know nothing of Temporal, workflows or the store: they return
// typed Go errors (ErrRejected, httpcall.StatusError, netguard.BlockedError,
// ...), and package activities maps those to Temporal's retryable and
// non-retryable errors.
package providers

import (
	"context"
	"errors"
	"time"
)

// Timeout bounds one provider call: an SMTP conversation, a Twilio request.
// The SMTP and Twilio clients use it as their own limit, and the send
// activities bound each call with it, well inside their 30-second attempt,
// so that an outcome the provider gave late still leaves time to record it.
const Timeout = 20 * time.Second

// ErrRejected marks a provider's permanent refusal of a message (an invalid
// or unsubscribed recipient, bad credentials, an SMTP 5xx reply): sending
// the same message again cannot succeed. Mailers and SMS senders wrap it;
// any other error they return is taken as transient.
var ErrRejected = errors.New("refused by the provider")

// ErrOptedOut marks a refusal because the recipient opted out at the
// provider (Twilio's error 21610, a number that replied STOP). It comes
// wrapped together with ErrRejected: the send is skipped, and ccflow
// records the opt-out.
var ErrOptedOut = errors.New("the recipient opted out")

// Email is one message as a Mailer sends it.
type Email struct {
	// MessageID is the Message-ID header, angle brackets included.
	MessageID string
	From      string
	To        string
	Subject   string
	Text      string
	HTML      string
	// ListUnsubscribe is the one-click unsubscribe URL (RFC 8058): when
	// set, the message carries List-Unsubscribe: <URL> and
	// List-Unsubscribe-Post: List-Unsubscribe=One-Click.
	ListUnsubscribe string
}

// Mailer hands an email to a mail provider. It wraps ErrRejected in
// errors the provider will give again whatever the retry.
type Mailer interface {
	Send(ctx context.Context, m Email) (providerID string, err error)
}

// SMS is one text message as an SMSSender sends it. An empty From lets the
// sender use its configured number.
type SMS struct {
	From string
	To   string
	Body string
	// StatusCallback is where the provider reports the message's delivery
	// status, when set.
	StatusCallback string
}

// SMSSender hands an SMS to a provider. It wraps ErrRejected in errors the
// provider will give again whatever the retry.
type SMSSender interface {
	Send(ctx context.Context, m SMS) (providerID string, err error)
}
