package activities

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ccflow/ccflow/providers/netguard"
)

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 5

// Redirects refused; their requests fail for good.
var (
	errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)
	errRedirectOffHost  = errors.New("a connection may only redirect to its own host")
)

// HTTPClients are the clients of http_request steps: one for external
// requests, which only reach addresses the guard allows, and one for
// requests through connections, which reach internal hosts.
type HTTPClients struct {
	external *http.Client
	internal *http.Client
}

// NewHTTPClients returns the clients, with guard checking every address
// an external request dials.
func NewHTTPClients(guard *netguard.Guard) *HTTPClients {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: guard.Control}
	external := http.DefaultTransport.(*http.Transport).Clone()
	// A proxy would dial on the request's behalf, out of the guard's sight.
	external.Proxy = nil
	external.DialContext = dialer.DialContext
	return &HTTPClients{
		external: &http.Client{Transport: external, CheckRedirect: limitRedirects},
		internal: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), CheckRedirect: sameHostRedirects},
	}
}

// defaultHTTPClients serve Activities without HTTP clients of their own.
var defaultHTTPClients = sync.OnceValue(func() *HTTPClients { return NewHTTPClients(netguard.New()) })

func limitRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errTooManyRedirects
	}
	return nil
}

// sameHostRedirects keeps a connection's requests, and the credentials
// they carry, on the connection's host.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return errRedirectOffHost
	}
	return limitRedirects(req, via)
}
