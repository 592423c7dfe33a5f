package httpcall_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
)

// externalAddr is a loopback address the tests' guard lets through, to
// play an external host; the rest of 127.0.0.0/8 stays blocked.
const externalAddr = "127.0.0.2"

// recorder is a test server's handler that keeps the requests it got.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
	handler  http.HandlerFunc
}

type recorded struct {
	method, uri, body string
	header            http.Header
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, recorded{method: req.Method, uri: req.RequestURI, body: string(body), header: req.Header.Clone()})
	r.mu.Unlock()
	r.handler(w, req)
}

func (r *recorder) got() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.requests...)
}

// internalServer listens on 127.0.0.1, which external requests may not reach.
func internalServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{handler: h}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv, rec
}

// externalServer listens on externalAddr, which the tests' guard allows.
func externalServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	l, err := net.Listen("tcp", externalAddr+":0")
	require.NoError(t, err, "listening on %s (loopback must cover 127.0.0.0/8)", externalAddr)
	rec := &recorder{handler: h}
	srv := httptest.NewUnstartedServer(rec)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, rec
}

// newClient returns a client with a crm connection to baseURL and a guard
// that lets externalAddr through.
func newClient(t *testing.T, baseURL string) *httpcall.Client {
	t.Helper()
	conns, err := connections.New(connections.Connection{Name: "crm", BaseURL: baseURL + "/api",
		Headers: map[string]string{"X-Api-Key": "key-1"}, BearerToken: "token-1"})
	require.NoError(t, err)
	return httpcall.New(netguard.New(netip.MustParsePrefix(externalAddr+"/32")), conns)
}

func do(c *httpcall.Client, r httpcall.Request) (httpcall.Response, error) {
	return c.Do(context.Background(), r)
}

func request(url string) httpcall.Request {
	return httpcall.Request{Method: "GET", URL: url, Timeout: 5 * time.Second}
}

// viaCRM is a GET through the crm connection.
func viaCRM(path string) httpcall.Request {
	return httpcall.Request{Method: "GET", Connection: "crm", Path: path, Timeout: 5 * time.Second}
}

func reply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// requireTransient fails unless err is one that retrying may cure: none of
// the typed errors of a request that can never succeed.
func requireTransient(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	for _, final := range []error{httpcall.ErrTooManyRedirects, httpcall.ErrRedirectOffHost, httpcall.ErrResponseTooLarge} {
		require.NotErrorIs(t, err, final)
	}
	_, invalid := errors.AsType[*httpcall.InvalidRequestError](err)
	_, unknown := errors.AsType[*httpcall.UnknownConnectionError](err)
	_, status := errors.AsType[*httpcall.StatusError](err)
	_, blocked := errors.AsType[*netguard.BlockedError](err)
	require.False(t, invalid || unknown || status || blocked, "want a transient error, got %T: %v", err, err)
}

func TestDoThroughAConnection(t *testing.T) {
	srv, rec := internalServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Request-Id", "r-1")
		w.Header().Add("Set-Cookie", "session=secret")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": "C-77", "tier": "gold", "orders": [1, 2]}`)
	})
	c := newClient(t, srv.URL)
	in := httpcall.Request{IdempotencyKey: "post-call/INT-1/crm-lookup",
		Method: "POST", Connection: "crm", Path: "/customers?id=C-77",
		Headers: map[string]string{"X-Interaction": "INT-1", "X-Api-Key": "from the entry"},
		Body:    `{"note": "called"}`, Timeout: 5 * time.Second}

	resp, err := do(c, in)
	require.NoError(t, err)

	require.Equal(t, http.StatusCreated, resp.Status)
	require.Equal(t, map[string]any{"id": "C-77", "tier": "gold", "orders": []any{1.0, 2.0}}, resp.Body)
	require.Equal(t, "r-1", resp.Headers["x-request-id"])
	require.NotContains(t, resp.Headers, "set-cookie")
	got := rec.got()
	require.Len(t, got, 1)
	require.Equal(t, "POST", got[0].method)
	require.Equal(t, "/api/customers?id=C-77", got[0].uri)
	require.Equal(t, `{"note": "called"}`, got[0].body)
	require.Equal(t, "Bearer token-1", got[0].header.Get("Authorization"))
	require.Equal(t, "key-1", got[0].header.Get("X-Api-Key"), "a step cannot replace a connection's header")
	require.Equal(t, "INT-1", got[0].header.Get("X-Interaction"))
	require.Equal(t, "application/json", got[0].header.Get("Content-Type"))
	require.Equal(t, "post-call/INT-1/crm-lookup", got[0].header.Get("Idempotency-Key"))
	require.Equal(t, "ccflow", got[0].header.Get("User-Agent"))
}

// The workflow escapes a value into one path segment (templates'
// RenderURL); the request keeps it one segment all the way to the server.
func TestDoThroughAConnectionKeepsAnEscapedSegmentOneSegment(t *testing.T) {
	srv, rec := internalServer(t, reply(http.StatusNoContent, "", ""))
	c := newClient(t, srv.URL)

	_, err := do(c, viaCRM("/customers/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23/notes?by=Sam+%26+Co"))

	require.NoError(t, err)
	got := rec.got()
	require.Len(t, got, 1)
	require.Equal(t, "/api/customers/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23/notes?by=Sam+%26+Co", got[0].uri)
}

func TestDoToAnExternalHost(t *testing.T) {
	srv, rec := externalServer(t, reply(http.StatusOK, "text/plain", "pong"))
	c := newClient(t, "http://crm.invalid")
	in := request(srv.URL + "/ping")
	in.Method, in.Body = "PUT", "ping"

	resp, err := do(c, in)
	require.NoError(t, err)

	require.Equal(t, 200, resp.Status)
	require.Equal(t, "pong", resp.Body)
	require.Equal(t, "text/plain", resp.Headers["content-type"])
	got := rec.got()
	require.Len(t, got, 1)
	require.Empty(t, got[0].header.Get("Authorization"))
	require.Equal(t, "text/plain; charset=utf-8", got[0].header.Get("Content-Type"))
}

func TestDoRefusesInternalAddresses(t *testing.T) {
	internal, rec := internalServer(t, reply(http.StatusOK, "", "internal"))
	port := internal.URL[strings.LastIndexByte(internal.URL, ':'):]
	redirector, _ := externalServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/admin", http.StatusFound)
	})
	tests := []struct {
		name, url, addr string
	}{
		{"an internal address", internal.URL + "/admin", "127.0.0.1"},
		{"a name that resolves to one", "http://localhost" + port + "/admin", "127.0.0.1"},
		{"a redirect to one", redirector.URL + "/go", "127.0.0.1"},
		{"the IPv4-mapped form of one", "http://[::ffff:127.0.0.1]" + port + "/admin", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, internal.URL)

			_, err := do(c, request(tt.url))

			blocked, ok := errors.AsType[*netguard.BlockedError](err)
			require.True(t, ok, "want a blocked address, got %v", err)
			require.Contains(t, blocked.Error(), "address "+tt.addr+" is loopback")
			require.Contains(t, blocked.Error(), "through a connection")
			require.Empty(t, rec.got(), "the internal server was reached")
		})
	}
}

func TestDoRedirects(t *testing.T) {
	other, _ := externalServer(t, reply(http.StatusOK, "", "elsewhere"))
	var loop *httptest.Server
	loop, _ = internalServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/moved":
			http.Redirect(w, r, "/api/here", http.StatusMovedPermanently)
		case "/api/here":
			_, _ = io.WriteString(w, "here")
		case "/api/away":
			http.Redirect(w, r, other.URL, http.StatusFound)
		default:
			http.Redirect(w, r, loop.URL+r.URL.Path+"x", http.StatusFound)
		}
	})
	c := newClient(t, loop.URL)

	t.Run("a connection follows redirects on its host", func(t *testing.T) {
		resp, err := do(c, viaCRM("/moved"))
		require.NoError(t, err)
		require.Equal(t, "here", resp.Body)
	})
	t.Run("a connection does not follow one to another host", func(t *testing.T) {
		_, err := do(c, viaCRM("/away"))
		require.ErrorIs(t, err, httpcall.ErrRedirectOffHost)
		require.ErrorContains(t, err, "a connection may only redirect to its own host")
	})
	t.Run("at most five", func(t *testing.T) {
		_, err := do(c, viaCRM("/loop"))
		require.ErrorIs(t, err, httpcall.ErrTooManyRedirects)
		require.ErrorContains(t, err, "stopped after 5 redirects")
	})
}

func TestDoStatusErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		retryable bool
		message   string
	}{
		{"a server error is retried", http.StatusInternalServerError, true, "answered 500 Internal Server Error"},
		{"an unavailable server is retried", http.StatusServiceUnavailable, true, "answered 503 Service Unavailable"},
		{"a request timeout is retried", http.StatusRequestTimeout, true, "answered 408 Request Timeout"},
		{"too many requests are retried", http.StatusTooManyRequests, true, "answered 429 Too Many Requests"},
		{"not found is final", http.StatusNotFound, false, "answered 404 Not Found"},
		{"a bad request is final", http.StatusBadRequest, false, "answered 400 Bad Request"},
		{"an unfollowed redirect is final", http.StatusNotModified, false, "answered 304 Not Modified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := internalServer(t, reply(tt.status, "application/json", `{"error": "boom"}`))
			c := newClient(t, srv.URL)

			_, err := do(c, viaCRM(""))

			status, ok := errors.AsType[*httpcall.StatusError](err)
			require.True(t, ok, "want a status error, got %v", err)
			require.Equal(t, tt.retryable, status.Retryable())
			require.Equal(t, tt.message, status.Error(), "the error carries no byte of the answer, which may echo the customer's data")
			if tt.status != http.StatusNotModified { // a 304 has no body
				require.Equal(t, `{"error": "boom"}`, status.Excerpt, "kept apart, for the failure's sealed details")
			}
			require.Equal(t, tt.status, status.Code)
		})
	}
}

func TestDoReadsRetryAfter(t *testing.T) {
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"in seconds", "7", 7 * time.Second},
		{"capped at a minute", "3600", time.Minute},
		{"absent", "", 0},
		{"as a date, which is not read", "Wed, 21 Oct 2026 07:28:00 GMT", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := internalServer(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			})
			c := newClient(t, srv.URL)

			_, err := do(c, viaCRM(""))

			status, ok := errors.AsType[*httpcall.StatusError](err)
			require.True(t, ok, "want a status error, got %v", err)
			require.Equal(t, tt.want, status.RetryAfter)
		})
	}
}

func TestDoRefusesABodyOverOneMiB(t *testing.T) {
	big := strings.Repeat("x", httpcall.MaxResponseBytes+1)
	tests := map[string]http.HandlerFunc{
		"with a length": reply(http.StatusOK, "text/plain", big),
		"streamed": func(w http.ResponseWriter, _ *http.Request) {
			for range 2 {
				_, _ = io.WriteString(w, big[:len(big)/2+1])
				w.(http.Flusher).Flush()
			}
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv, _ := internalServer(t, h)
			c := newClient(t, srv.URL)

			_, err := do(c, viaCRM(""))

			require.ErrorIs(t, err, httpcall.ErrResponseTooLarge)
			require.EqualError(t, err, "the response body is over 1 MiB")
		})
	}
}

func TestDoAcceptsABodyOfOneMiB(t *testing.T) {
	srv, _ := internalServer(t, reply(http.StatusOK, "text/plain", strings.Repeat("x", httpcall.MaxResponseBytes)))
	c := newClient(t, srv.URL)

	resp, err := do(c, viaCRM(""))

	require.NoError(t, err)
	require.Len(t, resp.Body, httpcall.MaxResponseBytes)
}

func TestDoTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv, _ := internalServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // before srv.Close, which waits for the handler
	c := newClient(t, srv.URL)
	in := viaCRM("")
	in.Timeout = 50 * time.Millisecond

	_, err := do(c, in)

	requireTransient(t, err)
	require.ErrorContains(t, err, "no complete answer within 50ms")
}

func TestDoNetworkErrorsAreTransient(t *testing.T) {
	srv, _ := internalServer(t, reply(http.StatusOK, "", ""))
	c := newClient(t, srv.URL)
	srv.Close()

	_, err := do(c, viaCRM(""))

	requireTransient(t, err)
	require.ErrorContains(t, err, "request failed")
	require.ErrorContains(t, err, "connection refused")
}

func TestDoRefusesRequestsThatCanNeverBeMade(t *testing.T) {
	tests := []struct {
		name    string
		in      httpcall.Request
		message string
	}{
		{"a path that climbs out", httpcall.Request{Method: "GET", Connection: "crm", Path: "/../admin"},
			`may not hold ".." segments`},
		{"a relative url", httpcall.Request{Method: "GET", URL: "/ping"},
			`url "/ping" must be an absolute http:// or https:// URL`},
		{"a url with credentials", httpcall.Request{Method: "GET", URL: "https://u:p@api.example.com"},
			"url may not hold credentials"},
		{"an unknown method", httpcall.Request{Method: "TRACE", URL: "https://api.example.com"},
			`"TRACE" is not a method`},
		{"a header value with a line break", httpcall.Request{Method: "GET", URL: "https://api.example.com",
			Headers: map[string]string{"X-Name": "Ada\r\nX-Admin: 1"}},
			"header X-Name: its name or value holds characters a header may not"},
		{"a timeout over a minute", httpcall.Request{Method: "GET", URL: "https://api.example.com", Timeout: 2 * time.Minute},
			"timeout 2m0s is not between 0 and 1m0s"},
		{"no timeout", httpcall.Request{Method: "GET", URL: "https://api.example.com", Timeout: -1},
			"timeout -1ns is not between 0 and 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, "http://crm.invalid")
			if tt.in.Timeout == 0 {
				tt.in.Timeout = 5 * time.Second
			}

			_, err := do(c, tt.in)

			invalid, ok := errors.AsType[*httpcall.InvalidRequestError](err)
			require.True(t, ok, "want an invalid request, got %v", err)
			require.Contains(t, invalid.Error(), tt.message)
		})
	}
}

func TestDoThroughAnUnknownConnection(t *testing.T) {
	c := newClient(t, "http://crm.invalid")

	_, err := do(c, httpcall.Request{Method: "GET", Connection: "billing", Timeout: 5 * time.Second})

	unknown, ok := errors.AsType[*httpcall.UnknownConnectionError](err)
	require.True(t, ok, "want an unknown connection, got %v", err)
	require.Equal(t, "billing", unknown.Name)
	require.EqualError(t, err, `connection "billing" is not configured on this worker (it has: crm)`)
}

func TestDoWithoutConnectionsSaysItHasNone(t *testing.T) {
	c := httpcall.New(netguard.New(), connections.Set{})

	_, err := do(c, httpcall.Request{Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

	require.EqualError(t, err, `connection "crm" is not configured on this worker (it has: none)`)
}

func TestDoKeepsABodyThatIsNotJSONAsText(t *testing.T) {
	srv, _ := internalServer(t, reply(http.StatusOK, "application/json", "not json"))
	c := newClient(t, srv.URL)

	resp, err := do(c, viaCRM(""))

	require.NoError(t, err)
	require.Equal(t, "not json", resp.Body)
}
