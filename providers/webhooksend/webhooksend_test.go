package webhooksend_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/providers/webhooksend"
)

func allow(t *testing.T, list string) webhook.Allow {
	t.Helper()
	a, err := webhook.ParseAllow(list)
	require.NoError(t, err)
	return a
}

func receiver(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestADeliveryToLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	})
	req := webhooksend.Request{URL: srv.URL + "/hooks", Headers: map[string]string{"webhook-id": "msg_1"}, Body: []byte(`{}`)}

	_, err := webhooksend.New(webhook.Allow{}).Send(context.Background(), req)
	var blocked *netguard.BlockedError
	require.ErrorAs(t, err, &blocked, "a loopback receiver is refused on the address dialled")
	require.NotContains(t, err.Error(), "/hooks", "the error does not repeat the URL")

	ans, err := webhooksend.New(allow(t, "127.0.0.1")).Send(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, ans.Status)
	require.Equal(t, "msg_1", got.Get("webhook-id"))
	require.Equal(t, "application/json", got.Get("Content-Type"))

	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/hooks"
	_, err = webhooksend.New(allow(t, "127.0.0.2")).Send(context.Background(), webhooksend.Request{URL: byName, Body: []byte(`{}`)})
	require.ErrorAs(t, err, &blocked, "a name that resolves to loopback when the attempt is made is refused then (DNS rebinding)")
	ans, err = webhooksend.New(allow(t, "localhost")).Send(context.Background(), webhooksend.Request{URL: byName, Body: []byte(`{}`)})
	require.NoError(t, err, "a host the list names is reached wherever it resolves")
	require.Equal(t, http.StatusNoContent, ans.Status)
}

func TestARedirectIsAnAnswerNotFollowed(t *testing.T) {
	t.Parallel()
	followed := false
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	ans, err := webhooksend.New(allow(t, "127.0.0.1")).Send(context.Background(), webhooksend.Request{URL: srv.URL, Body: []byte(`{}`)})
	require.NoError(t, err)
	require.Equal(t, http.StatusTemporaryRedirect, ans.Status)
	require.False(t, followed)
}

func TestOnlyTheStartOfALargeAnswerIsRead(t *testing.T) {
	t.Parallel()
	srv := receiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(strings.Repeat("x", 10<<20)))
	})
	ans, err := webhooksend.New(allow(t, "127.0.0.1")).Send(context.Background(), webhooksend.Request{URL: srv.URL, Body: []byte(`{}`)})
	require.NoError(t, err)
	require.Equal(t, http.StatusInternalServerError, ans.Status)
	require.Len(t, ans.Body, 4<<10)
}

// The SSRF cases of a subscription URL: every internal address, in its
// IPv4 and IPv6 forms, and a name that resolves to one, is a 400 naming
// url; the allow list lets its hosts through, with http too.
func TestASubscriptionURLMayNotLeadInside(t *testing.T) {
	t.Parallel()
	c := webhooksend.New(allow(t, "127.0.0.1,10.1.0.0/16,hooks.internal"))
	refused := []string{
		"https://127.0.0.2/h", "https://10.0.0.1/h", "https://192.168.1.10/h", "https://172.16.0.1/h",
		"https://169.254.169.254/latest/meta-data", "https://[::1]/h", "https://[fe80::1]/h", "https://[fc00::1]/h",
		"https://[::ffff:127.0.0.2]/h", "https://[64:ff9b::a9fe:a9fe]/h", "https://0.0.0.0/h", "https://100.64.0.1/h",
		"https://nowhere.invalid/h", "http://example.com/h", "https://u:p@example.com/h",
		"https://example.com/" + strings.Repeat("a", 2001),
	}
	for _, raw := range refused {
		_, err := c.CheckURL(context.Background(), raw)
		fe := validation.First(err)
		require.NotNil(t, fe, "%s is refused", raw)
		require.Equal(t, "url", fe.Path, raw)
	}
	_, err := webhooksend.New(webhook.Allow{}).CheckURL(context.Background(), "https://localhost:8443/h")
	require.Equal(t, "url", validation.First(err).Path, "a name that resolves to loopback")
	_, err = c.CheckURL(context.Background(), "https://localhost:8443/h")
	require.NoError(t, err, "unless its address is allowed")
	allowed := []string{"http://127.0.0.1:9000/h", "https://10.1.2.3/h", "http://hooks.internal/h", "https://93.184.215.14/h"}
	for _, raw := range allowed {
		u, err := c.CheckURL(context.Background(), raw)
		require.NoError(t, err, raw)
		want, _ := url.Parse(raw)
		require.Equal(t, want, u)
	}
}
