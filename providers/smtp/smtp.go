// Package smtp sends email through an SMTP server, and composes the MIME
// message that the outbox writes to files as well.
package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/ccflow/ccflow/providers"
)

// Mailer sends email through an SMTP server.
type Mailer struct {
	client *mail.Client
	// server names the server in errors, without credentials.
	server string
}

var _ providers.Mailer = (*Mailer)(nil)

// Option configures New.
type Option func(*settings)

type settings struct {
	tlsConfig *tls.Config
}

// WithTLSConfig sets the TLS configuration, e.g. to trust a test server's
// self-signed certificate. Its ServerName defaults to the URL's host.
func WithTLSConfig(c *tls.Config) Option {
	return func(s *settings) { s.tlsConfig = c }
}

// New configures a mailer from a URL:
// smtp://user:pass@host:port uses STARTTLS when the server offers it and
// requires it when credentials are given, so they never cross in clear;
// smtps://user:pass@host:port speaks TLS from the start. The port defaults
// to 587 for smtp and 465 for smtps. Errors never show the password.
func New(smtpURL string, opts ...Option) (*Mailer, error) {
	var s settings
	for _, opt := range opts {
		opt(&s)
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
	if s.tlsConfig != nil {
		tlsConfig = s.tlsConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	options := []mail.Option{
		mail.WithPort(port),
		mail.WithTimeout(providers.Timeout),
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
	return &Mailer{client: client, server: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// Send delivers m over one SMTP connection and returns its Message-ID as the
// provider id: SMTP has no other id common to every server. A 5xx reply and
// an address that does not parse wrap providers.ErrRejected.
//
// Once the server has answered 250 to the message's data it has taken the
// message, and m is sent: what fails after that on the same connection (an
// RSET answered 502 by a server that does not implement it, a QUIT answered
// 421, a dropped connection) is neither a refusal nor a reason to send m
// again.
func (s *Mailer) Send(ctx context.Context, m providers.Email) (string, error) {
	msg, err := compose(m, mail.EncodingQP)
	if err != nil {
		return "", err
	}
	id := providers.MessageID(m.MessageID, m.From)
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			return id, nil
		}
		if permanent(err) {
			return "", fmt.Errorf("%w: SMTP server %s: %w", providers.ErrRejected, s.server, err)
		}
		return "", fmt.Errorf("SMTP server %s: %w", s.server, err)
	}
	return id, nil
}

// WriteReadable writes m as the MIME message Send would transmit, but with
// its parts left unencoded, so a file holding it reads as plain text. An
// address that does not parse wraps providers.ErrRejected, as in Send.
func WriteReadable(w io.Writer, m providers.Email) error {
	msg, err := compose(m, mail.NoEncoding)
	if err != nil {
		return err
	}
	if _, err := msg.WriteTo(w); err != nil {
		return fmt.Errorf("writing email %s: %w", m.MessageID, err)
	}
	return nil
}

// permanent tells whether the server's reply was a 5xx: a permanent
// refusal of the address, the message or the credentials. Anything else, a
// 4xx or no reply at all, may pass on a retry.
func permanent(err error) bool {
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

// compose turns m into a MIME message: text, HTML, or both as
// alternatives (multipart/alternative), with the HTML's inline images
// beside them (multipart/related). Its Message-ID carries the sender's
// domain (providers.MessageID). Addresses that do not parse are a
// permanent refusal.
func compose(m providers.Email, encoding mail.Encoding) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithEncoding(encoding))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("%w: sender address %q: %w", providers.ErrRejected, m.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: recipient address %q: %w", providers.ErrRejected, m.To, err)
	}
	msg.Subject(m.Subject)
	if m.ListUnsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+m.ListUnsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	msg.SetMessageIDWithValue(strings.Trim(providers.MessageID(m.MessageID, m.From), "<>"))
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
	for _, in := range m.Inline {
		if err := msg.EmbedReader(in.Name, bytes.NewReader(in.Data), mail.WithFileContentID("<"+strings.Trim(in.ContentID, "<>")+">"),
			mail.WithFileContentType(mail.ContentType(in.Type)), mail.WithFileEncoding(mail.EncodingB64)); err != nil {
			return nil, fmt.Errorf("attaching inline image %s: %w", in.Name, err)
		}
	}
	return msg, nil
}
