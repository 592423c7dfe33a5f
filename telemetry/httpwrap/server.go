package httpwrap

import (
	"net/http"
	"time"
)

// Methods are the request methods ccflow names in metrics, spans and logs;
// every other one is MethodOther. A request's method is whatever token the
// client sends, up to the header limit: counted as it came, 1,000 made-up
// methods grew /metrics by megabytes and kept every one in memory.
var Methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// MethodOther is the label of a method not in Methods.
const MethodOther = "other"

// Method is r's method as a label from a fixed set: one of Methods, else
// MethodOther. Methods are case-sensitive (RFC 9110), so "get" is other.
func Method(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return MethodOther
}

// MaxHeaderBytes bounds a request's line and headers on every listener
// ccflow opens (net/http's default is 1 MiB). The largest real request
// carries a bearer token or a console cookie, well under this; a larger
// one is answered 431 before any handler runs.
const MaxHeaderBytes = 32 << 10

// Timeouts bound a connection's phases; zero fields take the defaults of
// NewServer.
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers: a client
	// that trickles them (slowloris) holds a connection no longer.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included.
	Read time.Duration
	// Write bounds writing the answer.
	Write time.Duration
	// Idle bounds a kept-alive connection waiting for its next request.
	Idle time.Duration
}

// NewServer is the one way ccflow makes an HTTP server: with
// MaxHeaderBytes and every timeout set, so no listener of ccflow's is
// left with net/http's unbounded defaults.
func NewServer(addr string, h http.Handler, t Timeouts) *http.Server {
	or := func(d, fallback time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return fallback
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadHeaderTimeout: or(t.ReadHeader, 10*time.Second),
		ReadTimeout:       or(t.Read, 30*time.Second),
		WriteTimeout:      or(t.Write, 60*time.Second),
		IdleTimeout:       or(t.Idle, 2*time.Minute),
	}
}
