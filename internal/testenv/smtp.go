package testenv

import (
	"bytes"
	"cmp"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the SMTP test server accepted: its envelope, its
// raw data and what a test usually asserts on, already decoded.
type Message struct {
	From   string
	To     []string
	Raw    []byte
	Header mail.Header
	// Subject is the decoded Subject header.
	Subject string
	// Text and HTML are the decoded text/plain and text/html bodies.
	Text string
	HTML string
	// Inline holds the parts that carry a Content-ID (the images an HTML
	// body shows as cid:…), decoded, by their Content-ID without angle
	// brackets.
	Inline map[string]InlinePart
	// TLS tells whether the message came over an encrypted connection.
	TLS bool
	// AuthUser is the user the client authenticated as, if any.
	AuthUser string
	// Received is when the server accepted the whole message (after a
	// DataHold, when it was released): the send began no later.
	Received time.Time
}

// InlinePart is a part of a message that an HTML body refers to by its
// Content-ID.
type InlinePart struct {
	Type string
	Data []byte
}

// HTMLAsAClientShowsIt is the message's HTML with each cid: URL replaced
// by a data: URL of its part, as a mail client shows it: a browser given
// it shows the inline images without the message around them.
func (m Message) HTMLAsAClientShowsIt() string {
	html := m.HTML
	for id, part := range m.Inline {
		html = strings.ReplaceAll(html, "cid:"+id, "data:"+part.Type+";base64,"+base64.StdEncoding.EncodeToString(part.Data))
	}
	return html
}

// SMTP is a real SMTP server on a loopback port that keeps every message it
// accepts, for tests of code that sends email.
type SMTP struct {
	scheme    string
	addr      string
	user      string
	password  string
	clientTLS *tls.Config

	// tls tells whether connections speak TLS (STARTTLS or implicit).
	tls bool
	srv *smtp.Server

	mu          sync.Mutex
	messages    []Message
	failCode    int
	failLeft    int
	acceptFault AcceptedFault
	acceptLeft  int
	// holds are the DataHolds not taken yet, first first; held those
	// taken, released at Close at the latest.
	holds, held []*DataHold
}

// DataHold keeps the server's answer to one message's data (the 250 that
// tells the client its message was accepted) until it is released: the
// server has the whole message and the sender waits to hear so. A worker
// stopped then is between the provider's acceptance and its record.
type DataHold struct {
	arrived, release chan struct{}
	once             sync.Once
}

// Arrived is closed once the held message's data is in and the answer is
// being held.
func (h *DataHold) Arrived() <-chan struct{} { return h.arrived }

// Release lets the server answer: it keeps the message (Messages lists it
// from then on) and says 250, to the client if it is still there.
func (h *DataHold) Release() { h.once.Do(func() { close(h.release) }) }

// HoldNextData makes the server hold its answer to the next message's
// data until the hold is released.
func (s *SMTP) HoldNextData() *DataHold {
	h := &DataHold{arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holds = append(s.holds, h)
	return h
}

// takeHold returns the hold the message being received must wait on, or nil.
func (s *SMTP) takeHold() *DataHold {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.holds) == 0 {
		return nil
	}
	h := s.holds[0]
	s.holds = s.holds[1:]
	s.held = append(s.held, h)
	return h
}

// AcceptedFault is how the server fails a connection after it accepted a
// message (answered 250 to its data): what a real server does now and then
// when it is overloaded or restarting, and what must not make the sender
// send the message again.
type AcceptedFault int

// The faults FailAfterAccepting injects.
const (
	// RSETRefused answers the RSET that follows the message with 502, as
	// servers that do not implement RSET do.
	RSETRefused AcceptedFault = iota + 1
	// QUITFailed answers QUIT with 421 and drops the connection.
	QUITFailed
)

func (f AcceptedFault) String() string {
	switch f {
	case RSETRefused:
		return "RSET refused"
	case QUITFailed:
		return "QUIT failed"
	}
	return fmt.Sprintf("AcceptedFault(%d)", int(f))
}

// SMTPServerOption configures SMTPServer.
type SMTPServerOption func(*smtpOptions)

type smtpOptions struct {
	startTLS, implicitTLS bool
	user, password        string
	addr                  string
}

// SMTPListenOn makes the server listen on addr (host:port) instead of a
// free port of 127.0.0.1: for a server a system was told of before it
// started (the bench's, at devenv system's CCFLOW_SMTP_ADDR).
func SMTPListenOn(addr string) SMTPServerOption {
	return func(o *smtpOptions) { o.addr = addr }
}

// SMTPWithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate made in memory; clients trust it through ClientTLSConfig.
func SMTPWithSTARTTLS() SMTPServerOption {
	return func(o *smtpOptions) { o.startTLS = true }
}

// SMTPWithImplicitTLS makes the server speak TLS from the first byte, as
// smtps:// servers do, with the same kind of certificate as SMTPWithSTARTTLS.
func SMTPWithImplicitTLS() SMTPServerOption {
	return func(o *smtpOptions) { o.implicitTLS = true }
}

// SMTPWithAuth makes the server require PLAIN authentication with user and
// password before it takes a message.
func SMTPWithAuth(user, password string) SMTPServerOption {
	return func(o *smtpOptions) { o.user, o.password = user, password }
}

// SMTPServer starts an SMTP server on 127.0.0.1 that lives until the test ends.
func SMTPServer(t testing.TB, opts ...SMTPServerOption) *SMTP {
	t.Helper()
	s, err := NewSMTPServer(opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// NewSMTPServer starts an SMTP server on 127.0.0.1 outside a test (the
// soak counts what it receives); Close stops it.
func NewSMTPServer(opts ...SMTPServerOption) (*SMTP, error) {
	var o smtpOptions
	for _, opt := range opts {
		opt(&o)
	}
	s := &SMTP{scheme: "smtp", user: o.user, password: o.password, tls: o.startTLS || o.implicitTLS}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	var serverTLS *tls.Config
	if o.startTLS || o.implicitTLS {
		cert, pool, err := selfSignedCertificate()
		if err != nil {
			return nil, fmt.Errorf("making the SMTP test server's certificate: %w", err)
		}
		serverTLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.clientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	if o.startTLS {
		srv.TLSConfig = serverTLS
	}

	addr := cmp.Or(o.addr, "127.0.0.1:0")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("starting the SMTP test server on %s: %w", addr, err)
	}
	if o.implicitTLS {
		l = tls.NewListener(l, serverTLS)
		s.scheme = "smtps"
	}
	s.addr = l.Addr().String()
	s.srv = srv
	go func() { _ = srv.Serve(faultListener{l}) }()
	return s, nil
}

// Close stops the server, releasing the answers it holds.
func (s *SMTP) Close() error {
	s.mu.Lock()
	for _, h := range append(s.holds, s.held...) {
		h.Release()
	}
	s.mu.Unlock()
	return s.srv.Close()
}

// Addr is the server's host:port.
func (s *SMTP) Addr() string { return s.addr }

// URL is the server's smtp:// (or smtps://) URL, with the credentials when
// auth is on.
func (s *SMTP) URL() string {
	u := url.URL{Scheme: s.scheme, Host: s.addr}
	if s.user != "" {
		u.User = url.UserPassword(s.user, s.password)
	}
	return u.String()
}

// ClientTLSConfig trusts the server's self-signed certificate; it is nil
// when the server does not speak TLS.
func (s *SMTP) ClientTLSConfig() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// CertPool holds the server's self-signed certificate; it is nil when the
// server does not speak TLS.
func (s *SMTP) CertPool() *x509.CertPool {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.RootCAs
}

// FailNext makes the next n transactions fail at RCPT TO with the SMTP reply
// code, e.g. 451 for a transient refusal or 550 for a permanent one.
func (s *SMTP) FailNext(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode, s.failLeft = code, n
}

// FailAfterAccepting makes the next n transactions fail after the server
// accepted their message: the message is kept (Messages lists it), then the
// connection fails as fault says. Only servers without TLS inject these
// faults, since the server reads the commands on the wire to do so.
func (s *SMTP) FailAfterAccepting(fault AcceptedFault, n int) {
	if s.tls {
		panic("testenv: FailAfterAccepting needs an SMTP test server without TLS")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acceptFault, s.acceptLeft = fault, n
}

// Messages returns the messages accepted so far, oldest first.
func (s *SMTP) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesFrom returns the messages accepted after the first n, oldest
// first: what a poller that has seen n messages has not seen yet.
func (s *SMTP) MessagesFrom(n int) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n >= len(s.messages) {
		return nil
	}
	return append([]Message(nil), s.messages[n:]...)
}

// WaitForMessages waits until the server holds at least n messages and
// returns them; when timeout passes first it fails the test, listing what
// did arrive.
func (s *SMTP) WaitForMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	return waitForCount(t, "SMTP messages", n, timeout, s.Messages, func(m Message) string {
		return fmt.Sprintf("from %s to %v: %q", m.From, m.To, m.Subject)
	})
}

// takeFailure reports the reply code the starting transaction must fail
// with, or 0.
func (s *SMTP) takeFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft == 0 {
		return 0
	}
	s.failLeft--
	return s.failCode
}

// keep stores an accepted message and reports the fault its connection
// must fail with afterwards, or 0.
func (s *SMTP) keep(m Message) AcceptedFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	if s.acceptLeft == 0 {
		return 0
	}
	s.acceptLeft--
	return s.acceptFault
}

func (s *SMTP) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{server: s, conn: c}, nil
}

// smtpSession is one client connection; it may carry several transactions.
type smtpSession struct {
	server   *SMTP
	conn     *smtp.Conn
	authUser string

	from     string
	to       []string
	failCode int
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.server.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != ss.server.user || password != ss.server.password {
			return smtp.ErrAuthFailed
		}
		ss.authUser = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.server.user != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	ss.failCode = ss.server.takeFailure()
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.failCode != 0 {
		return &smtp.SMTPError{
			Code:         ss.failCode,
			EnhancedCode: smtp.EnhancedCodeNotSet,
			Message:      fmt.Sprintf("test server refuses <%s> as told", to),
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMessage(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCodeNotSet, Message: err.Error()}
	}
	_, m.TLS = ss.conn.TLSConnectionState()
	m.From, m.To, m.AuthUser = ss.from, ss.to, ss.authUser
	if h := ss.server.takeHold(); h != nil {
		close(h.arrived)
		<-h.release
	}
	m.Received = time.Now()
	if fault := ss.server.keep(m); fault != 0 {
		// The 250 for the data goes out after Data returns, and the client
		// sends its next command only after reading it: the fault is armed
		// in time.
		if fc, ok := ss.conn.Conn().(*faultConn); ok {
			fc.arm(fault)
		}
	}
	return nil
}

func (ss *smtpSession) Reset() {
	ss.from, ss.to, ss.failCode = "", nil, 0
}

func (ss *smtpSession) Logout() error { return nil }

// faultListener hands the server connections that can fail after a
// message was accepted (faultConn).
type faultListener struct{ net.Listener }

func (l faultListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if _, isTLS := c.(*tls.Conn); isTLS {
		return c, nil // the SMTP server must see the TLS connection itself
	}
	return &faultConn{Conn: c}, nil
}

// faultConn is a client connection that, once armed with a fault, reads
// the client's command lines itself and answers the one the fault names
// in the server's place; every other line reaches the server unchanged.
// The server is waiting for a command whenever it does, so the two never
// write at once.
type faultConn struct {
	net.Conn

	mu    sync.Mutex
	fault AcceptedFault
	// pending holds bytes read from the client and not yet handed on.
	pending []byte
}

func (c *faultConn) arm(f AcceptedFault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fault = f
}

// take returns the armed fault, and disarms it when the line is the
// command it fails.
func (c *faultConn) take(cmd string) AcceptedFault {
	c.mu.Lock()
	defer c.mu.Unlock()
	if (c.fault == RSETRefused && cmd == "RSET") || (c.fault == QUITFailed && cmd == "QUIT") {
		f := c.fault
		c.fault = 0
		return f
	}
	return 0
}

func (c *faultConn) armed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fault != 0
}

// Read is only ever called by the server's one goroutine for the
// connection, which owns pending.
func (c *faultConn) Read(p []byte) (int, error) {
	for {
		if !c.armed() {
			if len(c.pending) > 0 {
				n := copy(p, c.pending)
				c.pending = c.pending[n:]
				return n, nil
			}
			return c.Conn.Read(p)
		}
		end := bytes.Index(c.pending, []byte("\r\n"))
		if end < 0 {
			buf := make([]byte, 4096)
			n, err := c.Conn.Read(buf)
			c.pending = append(c.pending, buf[:n]...)
			if err != nil && n == 0 {
				return 0, err
			}
			continue
		}
		switch c.take(strings.ToUpper(string(c.pending[:end]))) {
		case RSETRefused:
			c.pending = c.pending[end+2:]
			if _, err := io.WriteString(c.Conn, "502 5.5.1 RSET is not implemented (test server, as told)\r\n"); err != nil {
				return 0, err
			}
			continue
		case QUITFailed:
			c.pending = nil
			_, _ = io.WriteString(c.Conn, "421 4.3.2 shutting down (test server, as told)\r\n")
			_ = c.Conn.Close()
			return 0, io.EOF
		}
		n := copy(p, c.pending[:end+2])
		c.pending = c.pending[n:]
		return n, nil
	}
}

// parseMessage reads a message's headers and its text and HTML bodies,
// looking through multipart containers.
func parseMessage(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("parsing message: %w", err)
	}
	m := Message{Raw: raw, Header: msg.Header}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("decoding subject: %w", err)
	}
	if err := walkParts(textproto.MIMEHeader(msg.Header), msg.Body, &m); err != nil {
		return Message{}, err
	}
	if !strings.HasPrefix(msg.Header.Get("Content-Type"), "multipart/") {
		// A single-part body keeps the line break that ends the message;
		// a part's last one belongs to the boundary after it.
		m.Text = strings.TrimSuffix(m.Text, "\n")
		m.HTML = strings.TrimSuffix(m.HTML, "\n")
	}
	return m, nil
}

func walkParts(header textproto.MIMEHeader, body io.Reader, m *Message) error {
	contentType, encoding := header.Get("Content-Type"), header.Get("Content-Transfer-Encoding")
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("parsing content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading %s part: %w", mediaType, err)
			}
			if err := walkParts(p.Header, p, m); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	content, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("decoding %s body: %w", mediaType, err)
	}
	// SMTP carries lines ending in CRLF; tests compare with Go strings.
	text := strings.ReplaceAll(string(content), "\r\n", "\n")
	if id := strings.Trim(header.Get("Content-Id"), "<> "); id != "" {
		if m.Inline == nil {
			m.Inline = map[string]InlinePart{}
		}
		m.Inline[id] = InlinePart{Type: mediaType, Data: content}
		return nil
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = text
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = text
	}
	return nil
}

// selfSignedCertificate makes a short-lived certificate for 127.0.0.1 and
// localhost, and a pool that trusts it.
func selfSignedCertificate() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ccflow test SMTP server"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// waitForCount polls get until it returns at least n items. When timeout
// passes first it fails the test, describing each item it did get.
func waitForCount[T any](t testing.TB, what string, n int, timeout time.Duration, get func() []T, describe func(T) string) []T {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		items := get()
		if len(items) >= n {
			return items
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for i, it := range items {
				fmt.Fprintf(&b, "\n  %d: %s", i+1, describe(it))
			}
			t.Fatalf("waited %s for %d %s, got %d:%s", timeout, n, what, len(items), b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
