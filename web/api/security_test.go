package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/codec/codectest"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/api/apitest"
	"github.com/ccflow/ccflow/web/auth"
)

// lockedLog collects log lines from concurrent handlers.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// bareAPI is the API with no use case behind it: what these tests reach
// is answered before one is needed.
func bareAPI(t *testing.T, cfg api.Config) (http.Handler, *lockedLog) {
	t.Helper()
	logs := &lockedLog{}
	cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	return apitest.Load(t).Handler(t, api.New(cfg)), logs
}

func send(h http.Handler, method, target, token string, remote ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(`{"payloads": []}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(remote) > 0 {
		req.RemoteAddr = remote[0]
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// CCFLOW_CODEC_TOKEN may call /codec and nothing else: it is what the
// Temporal Web UI's assets hold, which any browser can read.
func TestTheCodecTokenCallsTheCodecOnly(t *testing.T) {
	t.Parallel()
	keys := codectest.Keyring()
	h, _ := bareAPI(t, api.Config{APIToken: "the-api-token", CodecToken: "the-codec-token", PayloadCodec: keys.Codec(),
		Namespace: "default"})

	require.Equal(t, http.StatusOK, send(h, http.MethodPost, "/codec/decode", "the-codec-token").Code)
	require.Equal(t, http.StatusOK, send(h, http.MethodPost, "/codec/encode", "the-codec-token").Code)
	require.Equal(t, http.StatusOK, send(h, http.MethodPost, "/codec/decode", "the-api-token").Code, "the API token may call it too")
	for _, path := range []string{"/v1/entries", "/v1/suppressions", "/v1/dispositions"} {
		rec := send(h, http.MethodGet, path, "the-codec-token")
		require.Equal(t, http.StatusUnauthorized, rec.Code, path)
	}
	require.Equal(t, http.StatusUnauthorized, send(h, http.MethodPost, "/codec/decode", "another-token").Code)
}

// Guessing a token is slow: after 30 wrong ones a client is refused,
// without its token being looked at, until its allowance comes back, one
// try a second. Others are not held back, and a request without any token
// is no guess.
func TestWrongTokensFromOneClientAreSlowedDown(t *testing.T) {
	t.Parallel()
	h, _ := bareAPI(t, api.Config{APIToken: "the-api-token"})
	guesser, other := "203.0.113.7:4444", "198.51.100.9:5555"

	for range 10 {
		require.Equal(t, http.StatusUnauthorized, send(h, http.MethodGet, "/v1/entries", "", guesser).Code, "no token: not counted")
	}
	for i := range auth.DefaultBackoffBurst {
		require.Equal(t, http.StatusUnauthorized, send(h, http.MethodGet, "/v1/entries", "guess", guesser).Code, "guess %d", i)
	}
	refused := send(h, http.MethodGet, "/v1/entries", "guess", guesser)
	require.Equal(t, http.StatusTooManyRequests, refused.Code)
	require.Equal(t, "1", refused.Header().Get("Retry-After"))
	require.Contains(t, refused.Body.String(), `"code":"too_many_requests"`)
	right := send(h, http.MethodPost, "/codec/decode", "the-api-token", guesser)
	require.Equal(t, http.StatusTooManyRequests, right.Code, "even the right token is not looked at: a guess that hits tells nothing")
	require.Equal(t, http.StatusNotFound, send(h, http.MethodPost, "/codec/decode", "the-api-token", other).Code,
		"another client is not held back (404: this API has no payload keys)")
	require.Equal(t, http.StatusUnauthorized, send(h, http.MethodGet, "/v1/entries", "guess", "[2001:db8::1]:1").Code,
		"an IPv6 client starts with its own allowance")
}

// The access log names no customer: the address of DELETE
// /v1/suppressions/{channel}/{address} and the customer id of DELETE
// /v1/customers/{id} are left out of the path, on a 401 as on a 200.
func TestTheAccessLogLeavesCustomersOutOfPaths(t *testing.T) {
	t.Parallel()
	h, logs := bareAPI(t, api.Config{APIToken: "the-api-token"})
	for _, target := range []string{"/v1/suppressions/sms/+15557654321", "/v1/suppressions/email/augusta.king@example.org",
		"/v1/suppressions/fax/augusta.king@example.org", "/v1/customers/C-1815", "/v1/customers/augusta.king@example.org"} {
		require.Equal(t, http.StatusUnauthorized, send(h, http.MethodDelete, target, "").Code, target)
	}
	text := logs.String()
	require.Contains(t, text, "path=/v1/suppressions/sms/…")
	require.Contains(t, text, "path=/v1/customers/…")
	for _, secret := range []string{"5557654321", "augusta", "C-1815", "fax"} {
		require.NotContains(t, text, secret)
	}
}
