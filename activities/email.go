package activities

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// Email is one message as a Mailer sends it.
type Email struct {
	// MessageID is the Message-ID header, angle brackets included.
	MessageID string
	From      string
	To        string
	Subject   string
	Text      string
	HTML      string
}

// Mailer hands an email to a mail provider. It wraps ErrRejected in
// errors the provider will give again whatever the retry.
type Mailer interface {
	Send(ctx context.Context, m Email) (providerID string, err error)
}

// SendEmail sends one email at most once per idempotency key (see
// deliverOnce for the one gap left).
func (a *Activities) SendEmail(ctx context.Context, in workflows.EmailInput) (workflows.Delivery, error) {
	m := Email{
		MessageID: MessageID(in.Key),
		From:      a.From,
		To:        in.To,
		Subject:   in.Subject,
		Text:      in.Text,
		HTML:      in.HTML,
	}
	rec := store.Delivery{Key: in.Key, WorkflowID: in.WorkflowID, StepID: in.StepID, Channel: workflows.ChannelEmail, Recipient: in.To}
	return a.deliverOnce(ctx, rec, func(ctx context.Context) (string, error) {
		return a.Mailer.Send(ctx, m)
	})
}

// MessageID derives an email's Message-ID from its idempotency key, so that
// a message sent twice through the gap deliverOnce documents carries the
// same Message-ID both times.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:])[:32] + "@ccflow>"
}

// SMTPMailer sends email through an SMTP server.
type SMTPMailer struct {
	client *mail.Client
	// server names the server in errors, without credentials.
	server string
}

// SMTPOption configures NewSMTPMailer.
type SMTPOption func(*smtpSettings)

type smtpSettings struct {
	tlsConfig *tls.Config
}

// WithTLSConfig sets the TLS configuration, e.g. to trust a test server's
// self-signed certificate. Its ServerName defaults to the URL's host.
func WithTLSConfig(c *tls.Config) SMTPOption {
	return func(s *smtpSettings) { s.tlsConfig = c }
}

// NewSMTPMailer configures a mailer from a URL:
// smtp://user:pass@host:port uses STARTTLS when the server offers it and
// requires it when credentials are given, so they never cross in clear;
// smtps://user:pass@host:port speaks TLS from the start. The port defaults
// to 587 for smtp and 465 for smtps.
func NewSMTPMailer(smtpURL string, opts ...SMTPOption) (*SMTPMailer, error) {
	var settings smtpSettings
	for _, opt := range opts {
		opt(&settings)
	}
	u, err := url.Parse(smtpURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep its cause only.
		if urlErr, ok := errors.AsType[*url.Error](err); ok {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("parsing SMTP URL: %w", err)
	}
	redacted := u.Redacted()
	port := map[string]int{"smtp": 587, "smtps": 465}[u.Scheme]
	if port == 0 {
		return nil, fmt.Errorf("SMTP URL %s: scheme must be smtp or smtps", redacted)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("SMTP URL %s has no host", redacted)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP URL %s: port %q is not a number", redacted, p)
		}
	}

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if settings.tlsConfig != nil {
		tlsConfig = settings.tlsConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	options := []mail.Option{
		mail.WithPort(port),
		mail.WithTimeout(providerTimeout),
		mail.WithTLSConfig(tlsConfig),
	}
	if u.Scheme == "smtps" {
		options = append(options, mail.WithSSL())
	}
	if user := u.User.Username(); user != "" {
		password, _ := u.User.Password()
		options = append(options,
			mail.WithTLSPolicy(mail.TLSMandatory),
			mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(user),
			mail.WithPassword(password))
	} else {
		options = append(options, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	client, err := mail.NewClient(host, options...)
	if err != nil {
		return nil, fmt.Errorf("configuring SMTP client for %s: %w", redacted, err)
	}
	return &SMTPMailer{client: client, server: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// Send delivers m over one SMTP connection and returns its Message-ID as the
// provider id: SMTP has no other id common to every server.
func (s *SMTPMailer) Send(ctx context.Context, m Email) (string, error) {
	msg, err := buildMessage(m, mail.EncodingQP)
	if err != nil {
		return "", err
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		if smtpPermanent(err) {
			return "", fmt.Errorf("%w: SMTP server %s: %w", ErrRejected, s.server, err)
		}
		return "", fmt.Errorf("SMTP server %s: %w", s.server, err)
	}
	return m.MessageID, nil
}

// smtpPermanent tells whether the server's reply was a 5xx: a permanent
// refusal of the address, the message or the credentials. Anything else, a
// 4xx or no reply at all, may pass on a retry.
func smtpPermanent(err error) bool {
	var sendErr *mail.SendError
	if errors.As(err, &sendErr) {
		return sendErr.ErrorCode() >= 500
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code >= 500
	}
	return false
}

// buildMessage turns m into a MIME message: text, HTML, or both as
// alternatives. Addresses that do not parse are a permanent refusal.
func buildMessage(m Email, encoding mail.Encoding) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithEncoding(encoding))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("%w: sender address %q: %w", ErrRejected, m.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: recipient address %q: %w", ErrRejected, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	msg.SetDate()
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(mail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
	}
	return msg, nil
}
