package auth

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffLetsAClientFailBurstTimesThenOnceAnInterval(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	b := NewBackoff(2*time.Second, 3)
	b.now = func() time.Time { return now }
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.7:4444"
	sameHost := httptest.NewRequest("GET", "/", nil)
	sameHost.RemoteAddr = "203.0.113.7:5555"

	for range 3 {
		require.Zero(t, b.Wait(r))
		b.Failed(r)
	}
	require.Equal(t, 2*time.Second, b.Wait(r))
	require.Equal(t, 2*time.Second, b.Wait(sameHost), "the client is the address, whatever the port")
	now = now.Add(time.Second)
	require.Equal(t, time.Second, b.Wait(r))
	now = now.Add(time.Second)
	require.Zero(t, b.Wait(r), "one more try")
	b.Failed(r)
	require.Equal(t, 2*time.Second, b.Wait(r))

	var nilBackoff *Backoff
	require.Zero(t, nilBackoff.Wait(r), "a nil Backoff holds nobody back")
	nilBackoff.Failed(r)
}

func TestBackoffKeepsOneIPv6HostAsOneClient(t *testing.T) {
	t.Parallel()
	b := NewBackoff(time.Hour, 1)
	a := httptest.NewRequest("GET", "/", nil)
	a.RemoteAddr = "[2001:db8:1:2::1]:1"
	sameNet := httptest.NewRequest("GET", "/", nil)
	sameNet.RemoteAddr = "[2001:db8:1:2:ffff::9]:2"
	otherNet := httptest.NewRequest("GET", "/", nil)
	otherNet.RemoteAddr = "[2001:db8:1:3::1]:1"

	b.Failed(a)
	require.Positive(t, b.Wait(sameNet), "one /64 is one host")
	require.Zero(t, b.Wait(otherNet))
}

func TestBackoffForgetsIdleClientsFirstWhenFull(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	b := NewBackoff(time.Hour, 1)
	b.now = func() time.Time { return now }
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:1"
	b.Failed(r)
	now = now.Add(2 * time.Hour) // this one's allowance is back: forgotten first
	for i := range maxClients + 10 {
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)
		b.Failed(r)
		now = now.Add(time.Millisecond)
	}
	require.LessOrEqual(t, len(b.clients), maxClients)
	require.Greater(t, len(b.clients), maxClients/4, "each address is a client of its own")
	r.RemoteAddr = "192.0.2.1:1"
	require.Zero(t, b.Wait(r))
}

func TestAFingerprintIsKeyedAndMatchesItsToken(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	tokens := NewTokens("old-token, new-token")
	fp := Fingerprint(key, "new-token")
	require.True(t, tokens.AcceptsFingerprint(key, fp))
	require.False(t, tokens.AcceptsFingerprint([]byte("another key of thirty-two bytes!"), fp))
	require.False(t, NewTokens("old-token").AcceptsFingerprint(key, fp), "a token taken out of the list")
	require.NotContains(t, fp, "new-token")
}
