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
	"net/mail"
	"strings"
	"time"

	"golang.org/x/net/idna"
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
	// MessageID is the Message-ID header, angle brackets included. Its
	// domain is always the sender's: a mailer writes it as
	// MessageID(MessageID, From) says.
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
	// Inline are images the HTML shows through cid: URLs (the brand's
	// logo), sent with the message so that no client has to fetch them.
	Inline []Inline
}

// Inline is an image sent inside a message, which its HTML shows as
// cid:<ContentID>.
type Inline struct {
	ContentID string
	// Name is the file name a client offers to save it as.
	Name string
	// Type is its media type, such as image/png.
	Type string
	Data []byte
}

// MessageID is the Message-ID of a message from the address from:
// "<local@domain>", where local is id without angle brackets or any
// domain of its own and domain is from's (in ASCII), as RFC 5322 asks: a
// domain the sender controls keeps ids unique and tells them apart from
// other senders'. A from without a domain gives "invalid".
func MessageID(id, from string) string {
	local, _, _ := strings.Cut(strings.Trim(strings.TrimSpace(id), "<>"), "@")
	return "<" + local + "@" + SenderDomain(from) + ">"
}

// SenderDomain is the domain of the address from ("Acme
// <care@Example.COM>" gives "example.com"), in lower case and ASCII
// (IDNA); "invalid" when from has none.
func SenderDomain(from string) string {
	addr := from
	if a, err := mail.ParseAddress(from); err == nil {
		addr = a.Address
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return "invalid"
	}
	domain := strings.ToLower(strings.TrimSpace(addr[at+1:]))
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = ascii
	}
	if domain == "" || strings.ContainsAny(domain, "<>@ \t\r\n") {
		return "invalid"
	}
	return domain
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
