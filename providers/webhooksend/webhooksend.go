// Package webhooksend posts webhook deliveries to subscribers, and checks
// subscription URLs, behind the same guard against server-side request
// forgery as http_request steps (netguard): no private, loopback,
// link-local or other internal address, checked on the address actually
// dialled, unless the host is in CCFLOW_WEBHOOK_ALLOW. A URL is checked
// when it is subscribed and again on every attempt, so a name that
// resolves elsewhere later (DNS rebinding) is refused then.
package webhooksend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/telemetry/tracedhttp"
)

// maxAnswer is how much of a receiver's answer is read: enough for the
// excerpt kept of it, never the whole of a large answer.
const maxAnswer = 4 << 10

// Request is one delivery attempt: the body, signed, to URL.
type Request struct {
	URL     string
	Headers map[string]string
	Body    []byte
}

// Answer is what the receiver answered: its status and the start of its
// body (at most 4 KiB).
type Answer struct {
	Status int
	Body   []byte
}

// Sender posts one delivery attempt. An error means there was no answer
// (the address was refused, the connection failed, the time ran out).
type Sender interface {
	Send(ctx context.Context, r Request) (Answer, error)
}

// Client posts deliveries through a guarded dialer. It follows no
// redirect: a 3xx is an answer like any other that is not 2xx, and the
// subscription's URL is what must change (Standard Webhooks' advice).
type Client struct {
	allow  webhook.Allow
	guard  *netguard.Guard
	client *http.Client
	// resolver looks hosts up for CheckURL.
	resolver *net.Resolver
}

// New returns a client that reaches public addresses, and what allow lists.
func New(allow webhook.Allow) *Client {
	c := &Client{allow: allow, guard: netguard.New(allow.Prefixes...), resolver: net.DefaultResolver}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// A proxy would dial on the request's behalf, out of the guard's sight.
	transport.Proxy = nil
	transport.DialContext = c.dial
	transport.MaxIdleConnsPerHost = 4
	c.client = &http.Client{
		Transport:     tracedhttp.Transport(transport, false),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// dial connects to addr ("host:port" as the URL names it): a host the
// allow list names is dialled wherever it resolves; any other only to
// addresses the guard lets through, checked after DNS on each address
// tried.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !c.allow.AllowsHost(host) {
		d.Control = c.guard.Control
	} else {
		d.Control = func(string, string, syscall.RawConn) error { return nil }
	}
	return d.DialContext(ctx, network, addr)
}

// Send posts r and reads the start of the answer.
func (c *Client) Send(ctx context.Context, r Request) (Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Answer{}, fmt.Errorf("preparing the delivery: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ccflow-webhooks/1")
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return Answer{}, describe(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer)) // a body cut short still says what it said
	return Answer{Status: resp.StatusCode, Body: body}, nil
}

// describe says why a request got no answer without repeating the URL
// (its query may hold a receiver's token).
func describe(err error) error {
	var blocked *netguard.BlockedError
	var uerr *url.Error
	switch {
	case errors.As(err, &blocked):
		return fmt.Errorf("refused to connect: %w", blocked)
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("no answer in time")
	case errors.As(err, &uerr):
		return uerr.Err
	}
	return err
}

// CheckURL checks a subscription URL: as written (core/webhook.CheckURL),
// then where its host leads. A host the allow list names passes; any other
// must resolve, and only to addresses the guard lets through. Its errors
// are validation errors naming "url".
func (c *Client) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := webhook.CheckURL(raw, c.allow)
	if err != nil {
		return nil, err
	}
	host := u.Hostname()
	if c.allow.AllowsHost(host) {
		return u, nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if err := c.guard.Check(addr); err != nil {
			return nil, refused(host, err)
		}
		return u, nil
	}
	lookup, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := c.resolver.LookupNetIP(lookup, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, validation.Errorf("url", "host %s does not resolve to an address", validation.Quote(host))
	}
	for _, a := range addrs {
		if err := c.guard.Check(a); err != nil {
			return nil, refused(host, err)
		}
	}
	return u, nil
}

func refused(host string, err error) error {
	var blocked *netguard.BlockedError
	if errors.As(err, &blocked) {
		return validation.Errorf("url", "host %s is at %s, which is %s: webhooks may not reach internal addresses (list the host in CCFLOW_WEBHOOK_ALLOW to allow it)",
			validation.Quote(host), blocked.Addr, blocked.Range)
	}
	return validation.Errorf("url", "host %s: %v", validation.Quote(host), err)
}
