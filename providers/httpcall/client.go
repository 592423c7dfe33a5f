package httpcall

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/telemetry/tracedhttp"
)

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 5

// Redirects refused; their requests fail for good.
var (
	ErrTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)
	ErrRedirectOffHost  = errors.New("a connection may only redirect to its own host")
)

// Client makes the requests of http_request steps with two HTTP clients:
// one for external requests, which only reach addresses the guard allows,
// and one for requests through connections, which reach internal hosts.
type Client struct {
	external    *http.Client
	internal    *http.Client
	connections connections.Set
}

// New returns a client whose external requests dial only the addresses
// guard allows and whose other requests go through conns.
func New(guard *netguard.Guard, conns connections.Set) *Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: guard.Control}
	external := http.DefaultTransport.(*http.Transport).Clone()
	// A proxy would dial on the request's behalf, out of the guard's sight.
	external.Proxy = nil
	external.DialContext = dialer.DialContext
	return &Client{
		external:    &http.Client{Transport: tracedhttp.Transport(external, false), CheckRedirect: limitRedirects},
		internal:    &http.Client{Transport: tracedhttp.Transport(http.DefaultTransport.(*http.Transport).Clone(), true), CheckRedirect: sameHostRedirects},
		connections: conns,
	}
}

func limitRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return ErrTooManyRedirects
	}
	return nil
}

// sameHostRedirects keeps a connection's requests, and the credentials
// they carry, on the connection's host.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return ErrRedirectOffHost
	}
	return limitRedirects(req, via)
}
