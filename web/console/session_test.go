package console

import (
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
	s := newTestSessions(t, "s3cret")
	sess := s.start("s3cret")

	got, ok := s.open(s.seal(sess))

	require.True(t, ok)
	require.Equal(t, sess, got)
	require.NotContains(t, s.seal(sess), "s3cret", "the token is sealed, not written")
}

func TestASessionDoesNotOpen(t *testing.T) {
	now := time.Now()
	s := newTestSessions(t, "s3cret")
	valid := s.seal(s.start("s3cret"))
	other, err := newSessions([]byte("another key, another server......"), auth.NewTokens("s3cret"), false)
	require.NoError(t, err)
	tests := []struct {
		name  string
		value string
		s     *sessions
	}{
		{"when it has expired", valid, &sessions{aead: s.aead, csrf: s.csrf, tokens: s.tokens, now: func() time.Time { return now.Add(sessionTTL + time.Second) }}},
		{"when its token is no longer accepted", valid, newTestSessions(t, "rotated")},
		{"when another key sealed it", valid, other},
		{"when it was changed", valid[:len(valid)-2] + "AA", s},
		{"when it is not base64", "not a cookie!", s},
		{"when it is empty", "", s},
		{"when it holds a token never checked", s.seal(session{Token: "guess", ID: "x", Expires: now.Add(time.Hour).Unix()}), s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := tt.s.open(tt.value)
			require.False(t, ok)
		})
	}
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
