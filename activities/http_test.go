package activities_test

import (
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
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/workflows"
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

// httpActivities returns activities with a crm connection to baseURL and a
// guard that lets externalAddr through.
func httpActivities(t *testing.T, baseURL string) *activities.Activities {
	t.Helper()
	conns, err := connections.New(connections.Connection{Name: "crm", BaseURL: baseURL + "/api",
		Headers: map[string]string{"X-Api-Key": "key-1"}, BearerToken: "token-1"})
	require.NoError(t, err)
	return &activities.Activities{
		Connections: conns,
		HTTP:        activities.NewHTTPClients(netguard.New(netip.MustParsePrefix(externalAddr + "/32"))),
	}
}

func requireApplicationError(t *testing.T, err error, errType string) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errType, appErr.Type())
	return appErr
}

func request(url string) workflows.HTTPRequestInput {
	return workflows.HTTPRequestInput{StepID: "crm-lookup", Method: "GET", URL: url, Timeout: 5 * time.Second}
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

func TestHTTPRequestThroughAConnection(t *testing.T) {
	srv, rec := internalServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Request-Id", "r-1")
		w.Header().Add("Set-Cookie", "session=secret")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": "C-77", "tier": "gold", "orders": [1, 2]}`)
	})
	acts := httpActivities(t, srv.URL)
	in := workflows.HTTPRequestInput{StepID: "crm-lookup", IdempotencyKey: "post-call/INT-1/crm-lookup",
		Method: "POST", Connection: "crm", Path: "/customers?id=C-77",
		Headers: map[string]string{"X-Interaction": "INT-1", "X-Api-Key": "from the entry"},
		Body:    `{"note": "called"}`, Timeout: 5 * time.Second}

	resp, err := execute(t, acts, acts.HTTPRequest, in)
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
}

func TestHTTPRequestToAnExternalHost(t *testing.T) {
	srv, rec := externalServer(t, reply(http.StatusOK, "text/plain", "pong"))
	acts := httpActivities(t, "http://crm.invalid")
	in := request(srv.URL + "/ping")
	in.Method, in.Body = "PUT", "ping"

	resp, err := execute(t, acts, acts.HTTPRequest, in)
	require.NoError(t, err)

	require.Equal(t, 200, resp.Status)
	require.Equal(t, "pong", resp.Body)
	require.Equal(t, "text/plain", resp.Headers["content-type"])
	got := rec.got()
	require.Len(t, got, 1)
	require.Empty(t, got[0].header.Get("Authorization"))
	require.Equal(t, "text/plain; charset=utf-8", got[0].header.Get("Content-Type"))
}

func TestHTTPRequestRefusesInternalAddresses(t *testing.T) {
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
			acts := httpActivities(t, internal.URL)

			_, err := execute(t, acts, acts.HTTPRequest, request(tt.url))

			appErr := requireNonRetryable(t, err, workflows.ErrTypeAddressBlocked)
			require.Contains(t, appErr.Message(), "address "+tt.addr+" is loopback")
			require.Contains(t, appErr.Message(), "through a connection")
			require.Empty(t, rec.got(), "the internal server was reached")
		})
	}
}

func TestHTTPRequestRedirects(t *testing.T) {
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
	acts := httpActivities(t, loop.URL)
	via := func(path string) workflows.HTTPRequestInput {
		return workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Path: path, Timeout: 5 * time.Second}
	}

	t.Run("a connection follows redirects on its host", func(t *testing.T) {
		resp, err := execute(t, acts, acts.HTTPRequest, via("/moved"))
		require.NoError(t, err)
		require.Equal(t, "here", resp.Body)
	})
	t.Run("a connection does not follow one to another host", func(t *testing.T) {
		_, err := execute(t, acts, acts.HTTPRequest, via("/away"))
		appErr := requireNonRetryable(t, err, workflows.ErrTypeRedirectRefused)
		require.Contains(t, appErr.Message(), "a connection may only redirect to its own host")
	})
	t.Run("at most five", func(t *testing.T) {
		_, err := execute(t, acts, acts.HTTPRequest, via("/loop"))
		appErr := requireNonRetryable(t, err, workflows.ErrTypeRedirectRefused)
		require.Contains(t, appErr.Message(), "stopped after 5 redirects")
	})
}

func TestHTTPRequestStatusErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		retryable bool
		message   string
	}{
		{"a server error is retried", http.StatusInternalServerError, true, `answered 500 Internal Server Error: {"error": "boom"}`},
		{"an unavailable server is retried", http.StatusServiceUnavailable, true, "answered 503 Service Unavailable"},
		{"a request timeout is retried", http.StatusRequestTimeout, true, "answered 408 Request Timeout"},
		{"too many requests are retried", http.StatusTooManyRequests, true, "answered 429 Too Many Requests"},
		{"not found is final", http.StatusNotFound, false, `answered 404 Not Found: {"error": "boom"}`},
		{"a bad request is final", http.StatusBadRequest, false, "answered 400 Bad Request"},
		{"an unfollowed redirect is final", http.StatusNotModified, false, "answered 304 Not Modified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := internalServer(t, reply(tt.status, "application/json", `{"error": "boom"}`))
			acts := httpActivities(t, srv.URL)

			_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{
				StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

			appErr := requireApplicationError(t, err, workflows.ErrTypeHTTPStatus)
			require.Equal(t, !tt.retryable, appErr.NonRetryable())
			require.Contains(t, appErr.Message(), tt.message)
			var status int
			require.NoError(t, appErr.Details(&status))
			require.Equal(t, tt.status, status)
		})
	}
}

func TestHTTPRequestHonoursRetryAfter(t *testing.T) {
	srv, _ := internalServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	acts := httpActivities(t, srv.URL)

	_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

	appErr := requireApplicationError(t, err, workflows.ErrTypeHTTPStatus)
	require.Equal(t, 7*time.Second, appErr.NextRetryDelay())
}

func TestHTTPRequestRefusesABodyOverOneMiB(t *testing.T) {
	big := strings.Repeat("x", activities.MaxResponseBytes+1)
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
			acts := httpActivities(t, srv.URL)

			_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

			appErr := requireNonRetryable(t, err, workflows.ErrTypeResponseTooLarge)
			require.Contains(t, appErr.Message(), "the response body is over 1 MiB")
		})
	}
}

func TestHTTPRequestAcceptsABodyOfOneMiB(t *testing.T) {
	srv, _ := internalServer(t, reply(http.StatusOK, "text/plain", strings.Repeat("x", activities.MaxResponseBytes)))
	acts := httpActivities(t, srv.URL)

	resp, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

	require.NoError(t, err)
	require.Len(t, resp.Body, activities.MaxResponseBytes)
}

func TestHTTPRequestTimesOutAndIsRetried(t *testing.T) {
	release := make(chan struct{})
	srv, _ := internalServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // before srv.Close, which waits for the handler
	acts := httpActivities(t, srv.URL)

	_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 50 * time.Millisecond})

	requireRetryable(t, err)
	require.ErrorContains(t, err, "no complete answer within 50ms")
}

func TestHTTPRequestNetworkErrorsAreRetried(t *testing.T) {
	srv, _ := internalServer(t, reply(http.StatusOK, "", ""))
	acts := httpActivities(t, srv.URL)
	srv.Close()

	_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

	requireRetryable(t, err)
	require.ErrorContains(t, err, "connection refused")
}

func TestHTTPRequestInvalidInput(t *testing.T) {
	tests := []struct {
		name    string
		in      workflows.HTTPRequestInput
		errType string
		message string
	}{
		{"an unknown connection", workflows.HTTPRequestInput{Method: "GET", Connection: "billing"},
			workflows.ErrTypeUnknownConnection, `connection "billing" is not configured on this worker (it has: crm)`},
		{"a path that climbs out", workflows.HTTPRequestInput{Method: "GET", Connection: "crm", Path: "/../admin"},
			workflows.ErrTypeInvalidInput, `may not hold ".." segments`},
		{"a relative url", workflows.HTTPRequestInput{Method: "GET", URL: "/ping"},
			workflows.ErrTypeInvalidInput, `url "/ping" must be an absolute http:// or https:// URL`},
		{"a url with credentials", workflows.HTTPRequestInput{Method: "GET", URL: "https://u:p@api.example.com"},
			workflows.ErrTypeInvalidInput, "url may not hold credentials"},
		{"an unknown method", workflows.HTTPRequestInput{Method: "TRACE", URL: "https://api.example.com"},
			workflows.ErrTypeInvalidInput, `"TRACE" is not a method`},
		{"a header value with a line break", workflows.HTTPRequestInput{Method: "GET", URL: "https://api.example.com",
			Headers: map[string]string{"X-Name": "Ada\r\nX-Admin: 1"}},
			workflows.ErrTypeInvalidInput, "header X-Name: its name or value holds characters a header may not"},
		{"a timeout over a minute", workflows.HTTPRequestInput{Method: "GET", URL: "https://api.example.com", Timeout: 2 * time.Minute},
			workflows.ErrTypeInvalidInput, "timeout 2m0s is not between 0 and 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts := httpActivities(t, "http://crm.invalid")
			if tt.in.Timeout == 0 {
				tt.in.Timeout = 5 * time.Second
			}

			_, err := execute(t, acts, acts.HTTPRequest, tt.in)

			appErr := requireNonRetryable(t, err, tt.errType)
			require.Contains(t, appErr.Message(), tt.message)
		})
	}
}

func TestHTTPRequestKeepsABodyThatIsNotJSONAsText(t *testing.T) {
	srv, _ := internalServer(t, reply(http.StatusOK, "application/json", "not json"))
	acts := httpActivities(t, srv.URL)

	resp, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

	require.NoError(t, err)
	require.Equal(t, "not json", resp.Body)
}

func TestTarget(t *testing.T) {
	require.Equal(t, "https://api.example.com/x", workflows.HTTPRequestInput{URL: "https://api.example.com/x"}.Target())
	require.Equal(t, "connection crm /customers/7", workflows.HTTPRequestInput{Connection: "crm", Path: "/customers/7"}.Target())
	require.Equal(t, "connection crm", workflows.HTTPRequestInput{Connection: "crm"}.Target())
}
