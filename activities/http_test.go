package activities_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/workflows"
)

// failingHTTP is an HTTP client whose every request fails with err.
type failingHTTP struct {
	err error
	got []httpcall.Request
}

func (f *failingHTTP) Do(_ context.Context, r httpcall.Request) (httpcall.Response, error) {
	f.got = append(f.got, r)
	return httpcall.Response{}, f.err
}

func requireApplicationError(t *testing.T, err error, errType string) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errType, appErr.Type())
	return appErr
}

func TestHTTPRequestThroughAConnection(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r-1")
		w.Header().Add("Set-Cookie", "session=secret")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": "C-77", "tier": "gold"}`)
	}))
	t.Cleanup(srv.Close)
	conns, err := connections.New(connections.Connection{Name: "crm", BaseURL: srv.URL + "/api", BearerToken: "token-1"})
	require.NoError(t, err)
	acts := &activities.Activities{HTTP: httpcall.New(netguard.New(), conns)}
	in := workflows.HTTPRequestInput{StepID: "crm-lookup", IdempotencyKey: "post-call/INT-1/crm-lookup",
		Method: "POST", Connection: "crm", Path: "/customers?id=C-77",
		Headers: map[string]string{"X-Interaction": "INT-1"}, Body: `{"note": "called"}`, Timeout: 5 * time.Second}

	resp, err := execute(t, acts, acts.HTTPRequest, in)
	require.NoError(t, err)

	require.Equal(t, http.StatusCreated, resp.Status)
	require.Equal(t, map[string]any{"id": "C-77", "tier": "gold"}, resp.Body)
	require.Equal(t, "r-1", resp.Headers["x-request-id"])
	require.NotContains(t, resp.Headers, "set-cookie")
	require.Equal(t, "/api/customers?id=C-77", got.URL.RequestURI())
	require.Equal(t, "Bearer token-1", got.Header.Get("Authorization"))
	require.Equal(t, "INT-1", got.Header.Get("X-Interaction"))
	require.Equal(t, "post-call/INT-1/crm-lookup", got.Header.Get("Idempotency-Key"))
}

// Activities without an HTTP client of their own still guard external
// requests: none reaches an internal address.
func TestHTTPRequestWithoutAClientRefusesInternalAddresses(t *testing.T) {
	reached := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	t.Cleanup(srv.Close)
	acts := &activities.Activities{}

	_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", URL: srv.URL + "/admin", Timeout: 5 * time.Second})

	appErr := requireNonRetryable(t, err, workflows.ErrTypeAddressBlocked)
	require.Contains(t, appErr.Message(), "address 127.0.0.1 is loopback")
	require.Contains(t, appErr.Message(), "through a connection")
	require.False(t, reached, "the internal server was reached")
}

func TestHTTPRequestWithoutAClientHasNoConnections(t *testing.T) {
	acts := &activities.Activities{}

	_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

	appErr := requireNonRetryable(t, err, workflows.ErrTypeUnknownConnection)
	require.Equal(t, `connection "crm" is not configured on this worker (it has: none)`, appErr.Message())
}

func TestHTTPRequestHandsTheStepToTheClient(t *testing.T) {
	client := &failingHTTP{err: errors.New("request failed: connection refused")}
	acts := &activities.Activities{HTTP: client}
	in := workflows.HTTPRequestInput{StepID: "s", IdempotencyKey: "wf/s", Method: "PUT", URL: "https://api.example.com/x",
		Headers: map[string]string{"X-A": "1"}, Body: "b", Timeout: 3 * time.Second}

	_, err := execute(t, acts, acts.HTTPRequest, in)
	require.Error(t, err)

	require.Equal(t, []httpcall.Request{{Method: "PUT", URL: "https://api.example.com/x", Headers: map[string]string{"X-A": "1"},
		Body: "b", IdempotencyKey: "wf/s", Timeout: 3 * time.Second}}, client.got)
}

// Each failure of the client becomes the Temporal error the workflow and
// operators tell apart: final when retrying cannot cure it.
func TestHTTPRequestErrors(t *testing.T) {
	blocked := &netguard.BlockedError{Addr: netip.MustParseAddr("10.0.0.7"), Range: "private (10.0.0.0/8)"}
	tests := []struct {
		name       string
		err        error
		errType    string // empty: retried, and no application error of ccflow's
		retryable  bool
		message    string
		status     int           // the status detail, for ErrTypeHTTPStatus
		excerpt    string        // the start of the answer's body, the second detail: never in the message
		retryAfter time.Duration // the next retry's delay
	}{
		{name: "an invalid request", err: &httpcall.InvalidRequestError{Reason: `"TRACE" is not a method`},
			errType: workflows.ErrTypeInvalidInput, message: `"TRACE" is not a method`},
		{name: "an unknown connection", err: &httpcall.UnknownConnectionError{Name: "billing", Known: []string{"crm"}},
			errType: workflows.ErrTypeUnknownConnection, message: `connection "billing" is not configured on this worker (it has: crm)`},
		{name: "a server error", err: &httpcall.StatusError{Code: 500, Status: "500 Internal Server Error", Excerpt: `{"error": "boom"}`},
			errType: workflows.ErrTypeHTTPStatus, retryable: true, message: `answered 500 Internal Server Error`, status: 500, excerpt: `{"error": "boom"}`},
		{name: "too many requests, with Retry-After", err: &httpcall.StatusError{Code: 429, Status: "429 Too Many Requests", RetryAfter: 7 * time.Second},
			errType: workflows.ErrTypeHTTPStatus, retryable: true, message: "answered 429 Too Many Requests", status: 429, retryAfter: 7 * time.Second},
		{name: "not found", err: &httpcall.StatusError{Code: 404, Status: "404 Not Found", Excerpt: `{"error": "boom"}`, RetryAfter: 7 * time.Second},
			errType: workflows.ErrTypeHTTPStatus, message: `answered 404 Not Found`, status: 404, excerpt: `{"error": "boom"}`},
		{name: "a blocked address", err: &url.Error{Op: "Get", URL: "http://10.0.0.7/admin", Err: blocked},
			errType: workflows.ErrTypeAddressBlocked, message: blocked.Error()},
		{name: "a redirect to another host", err: &url.Error{Op: "Get", URL: "http://crm/away", Err: httpcall.ErrRedirectOffHost},
			errType: workflows.ErrTypeRedirectRefused, message: `Get "http://crm/away": a connection may only redirect to its own host`},
		{name: "too many redirects", err: &url.Error{Op: "Get", URL: "http://crm/loop", Err: httpcall.ErrTooManyRedirects},
			errType: workflows.ErrTypeRedirectRefused, message: `Get "http://crm/loop": stopped after 5 redirects`},
		{name: "a body over 1 MiB", err: httpcall.ErrResponseTooLarge,
			errType: workflows.ErrTypeResponseTooLarge, message: "the response body is over 1 MiB"},
		{name: "no answer in time", err: errors.New("no complete answer within 50ms"),
			retryable: true, message: "no complete answer within 50ms"},
		{name: "a network error", err: errors.New("request failed: connection refused"),
			retryable: true, message: "request failed: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts := &activities.Activities{HTTP: &failingHTTP{err: tt.err}}

			_, err := execute(t, acts, acts.HTTPRequest, workflows.HTTPRequestInput{StepID: "s", Method: "GET", Connection: "crm", Timeout: 5 * time.Second})

			if tt.retryable {
				requireRetryable(t, err)
			}
			if tt.errType == "" {
				require.ErrorContains(t, err, tt.message)
				return
			}
			appErr := requireApplicationError(t, err, tt.errType)
			require.Equal(t, !tt.retryable, appErr.NonRetryable())
			require.Equal(t, tt.message, appErr.Message())
			require.Equal(t, tt.retryAfter, appErr.NextRetryDelay())
			if tt.status != 0 {
				var status int
				var excerpt string
				require.NoError(t, appErr.Details(&status, &excerpt))
				require.Equal(t, tt.status, status)
				require.Equal(t, tt.excerpt, excerpt)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	require.Equal(t, "https://api.example.com/x", workflows.HTTPRequestInput{URL: "https://api.example.com/x"}.Target())
	require.Equal(t, "connection crm /customers/7", workflows.HTTPRequestInput{Connection: "crm", Path: "/customers/7"}.Target())
	require.Equal(t, "connection crm", workflows.HTTPRequestInput{Connection: "crm"}.Target())
}
