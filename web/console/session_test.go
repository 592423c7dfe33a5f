package console

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web/auth"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newTestSessions(t *testing.T, tokens ...string) *sessions {
	t.Helper()
	s, err := newSessions(testKey, auth.NewTokens(tokens...), false)
	require.NoError(t, err)
	return s
}

func TestASealedSessionOpens(t *testing.T) {
	s := newTestSessions(t, "s3cret-token")
	sess := s.start("s3cret-token")

	got, ok := s.open(s.seal(sess))

	require.True(t, ok)
	require.Equal(t, sess, got)
}

// The cookie keeps a keyed fingerprint of the token, never the token:
// whoever opens a cookie (its key leaked, say) does not get the API token.
func TestASessionHoldsAFingerprintOfTheTokenNotTheToken(t *testing.T) {
	s := newTestSessions(t, "s3cret-token")
	sess := s.start("s3cret-token")

	plain, err := json.Marshal(sess)
	require.NoError(t, err)
	require.NotContains(t, string(plain), "s3cret-token")
	sum := sha256.Sum256([]byte("s3cret-token"))
	require.NotContains(t, string(plain), hex.EncodeToString(sum[:]), "nor its plain hash")
	require.NotContains(t, string(plain), base64.RawURLEncoding.EncodeToString(sum[:]))
	require.NotEmpty(t, sess.Fingerprint)
	require.NotEqual(t, sess.Fingerprint, auth.Fingerprint(testKey, "s3cret-token"), "keyed with a key of its own, not the session key")
}

// at returns s with its clock at t.
func at(s *sessions, t time.Time) *sessions {
	c := *s
	c.now = func() time.Time { return t }
	return &c
}

func TestASessionDoesNotOpen(t *testing.T) {
	now := time.Now()
	s := newTestSessions(t, "s3cret")
	sess := s.start("s3cret")
	valid := s.seal(sess)
	other, err := newSessions([]byte("another key, another server......"), auth.NewTokens("s3cret"), false)
	require.NoError(t, err)
	// Renewed without a break, it still ends sessionLifetime after it
	// started.
	kept := sess
	for clock := now; clock.Before(now.Add(sessionLifetime)); clock = clock.Add(sessionIdle / 2) {
		kept = at(s, clock.Add(sessionIdle/2+time.Minute)).renewed(kept)
	}
	v1 := s.aead.Seal(nil, make([]byte, s.aead.NonceSize()), []byte(`{"t":"s3cret","i":"x","e":`+fmt.Sprint(now.Add(time.Hour).Unix())+`}`), []byte("ccflow console session v1"))
	tests := []struct {
		name  string
		value string
		s     *sessions
	}{
		{"when it has not been used for its idle time", valid, at(s, now.Add(sessionIdle+time.Second))},
		{"when its lifetime is over, renewed as it was", s.seal(kept), at(s, now.Add(sessionLifetime+time.Second))},
		{"when its token is no longer accepted", valid, newTestSessions(t, "rotated")},
		{"when another key sealed it", valid, other},
		{"when it was changed", valid[:len(valid)-2] + "AA", s},
		{"when it is not base64", "not a cookie!", s},
		{"when it is empty", "", s},
		{"when it holds a fingerprint never checked", s.seal(session{Fingerprint: "guess", ID: "x", Started: now.Unix(), Expires: now.Add(time.Hour).Unix()}), s},
		{"when it is a cookie of before, which held the token", base64.RawURLEncoding.EncodeToString(append(make([]byte, s.aead.NonceSize()), v1...)), s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := tt.s.open(tt.value)
			require.False(t, ok)
		})
	}
	require.LessOrEqual(t, kept.Expires, sess.Started+int64(sessionLifetime/time.Second), "no renewal reaches past the lifetime")
}

func TestARenewalGivesTheSessionANewIDAndKeepsTheOldCSRFToken(t *testing.T) {
	now := time.Now()
	s := newTestSessions(t, "s3cret")
	sess := at(s, now).start("s3cret")

	renewed := at(s, now.Add(sessionIdle*3/4)).renewed(sess)

	require.NotEqual(t, sess.ID, renewed.ID, "the id is rotated")
	require.Equal(t, sess.ID, renewed.Prev)
	require.Equal(t, sess.Started, renewed.Started, "the lifetime runs from the sign-in")
	require.Greater(t, renewed.Expires, sess.Expires)
	require.True(t, s.validCSRF(renewed, s.csrfToken(renewed.ID)))
	require.True(t, s.validCSRF(renewed, s.csrfToken(sess.ID)), "a form opened before the renewal still posts")
	twice := at(s, now.Add(sessionIdle*3/2)).renewed(renewed)
	require.False(t, s.validCSRF(twice, s.csrfToken(sess.ID)), "but not after two")
}

func TestASessionOutlivesAnotherTokenBeingAdded(t *testing.T) {
	value := newTestSessions(t, "old").seal(newTestSessions(t, "old").start("old"))

	_, ok := newTestSessions(t, "old", "new").open(value)

	require.True(t, ok)
}

func TestEachSessionHasItsOwnCSRFToken(t *testing.T) {
	s := newTestSessions(t, "s3cret")
	a, b := s.start("s3cret"), s.start("s3cret")

	require.NotEqual(t, s.csrfToken(a.ID), s.csrfToken(b.ID))
	require.Equal(t, s.csrfToken(a.ID), newTestSessions(t, "s3cret").csrfToken(a.ID), "every starter with the key agrees")
	require.False(t, s.validCSRF(a, s.csrfToken(b.ID)))
}

func TestNewSessionsNeedsAKeyOf32Bytes(t *testing.T) {
	_, err := newSessions([]byte("short"), auth.NewTokens("t"), false)
	require.ErrorContains(t, err, "at least 32")
}

func TestNextPageStaysInTheConsole(t *testing.T) {
	for next, want := range map[string]string{
		"/console/entries/x/runs":   "/console/entries/x/runs",
		"/console/try?entry=x":      "/console/try?entry=x",
		"":                          "/console/entries",
		"https://evil.example/":     "/console/entries",
		"//evil.example/console/":   "/console/entries",
		"/console/sign-in?next=/x":  "/console/entries",
		"/console/\\evil.example":   "/console/entries",
		"/v1/entries":               "/console/entries",
		"/console/x\r\nSet-Cookie:": "/console/entries",
	} {
		require.Equal(t, want, nextPage(next), next)
	}
}

func TestDiffTextKeepsContextAroundEachChange(t *testing.T) {
	before := "a\nb\nc\nd\ne\nf\ng\nh\n"
	after := "a\nc\nd\ne\nf\ng\nh\ni\n"

	all, added, removed := diffText(before, after, 3)
	none, _, _ := diffText(before, after, 0)

	require.Equal(t, [2]int{1, 1}, [2]int{added, removed})
	require.Equal(t, []diffHunk{{Lines: []diffLine{{" ", "a"}, {"-", "b"}, {" ", "c"}, {" ", "d"}, {" ", "e"}, {" ", "f"}, {" ", "g"}, {" ", "h"}, {"+", "i"}}}}, all,
		"changes at most twice the context apart share a hunk")
	require.Equal(t, []diffHunk{{Lines: []diffLine{{"-", "b"}}}, {Lines: []diffLine{{"+", "i"}}}}, none, "context 0 keeps changed lines only")
	first, added, removed := diffText("", "a\nb\n", 3)
	require.Equal(t, [2]int{2, 0}, [2]int{added, removed})
	require.Equal(t, []diffHunk{{Lines: []diffLine{{"+", "a"}, {"+", "b"}}}}, first)
}
