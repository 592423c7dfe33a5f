package tokens_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/tokens"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func TestSignVerifyRoundTrip(t *testing.T) {
	s := tokens.NewSigner(key)
	id, err := tokens.NewID()
	require.NoError(t, err)

	got, err := s.Verify(s.Sign(id))

	require.NoError(t, err)
	require.Equal(t, id, got)
}

func TestNewIDIsURLSafeAndUnique(t *testing.T) {
	a, err := tokens.NewID()
	require.NoError(t, err)
	b, err := tokens.NewID()
	require.NoError(t, err)

	require.Len(t, a, 22, "128 bits in unpadded base64url")
	require.Regexp(t, `^[A-Za-z0-9_-]+$`, a)
	require.NotEqual(t, a, b)
}

func TestVerifyRejects(t *testing.T) {
	s := tokens.NewSigner(key)
	token := s.Sign("abc123")
	id, sig, _ := strings.Cut(token, ".")
	flip := func(c byte) byte {
		if c == 'A' {
			return 'B'
		}
		return 'A'
	}
	tamperedSig := sig[:5] + string(flip(sig[5])) + sig[6:]

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"tampered id", "abc124." + sig, tokens.ErrForged},
		{"tampered signature", id + "." + tamperedSig, tokens.ErrForged},
		{"another key's token", tokens.NewSigner([]byte("another key")).Sign("abc123"), tokens.ErrForged},
		{"empty", "", tokens.ErrMalformed},
		{"no dot", "abc123", tokens.ErrMalformed},
		{"no id", "." + sig, tokens.ErrMalformed},
		{"no signature", id + ".", tokens.ErrMalformed},
		{"signature not base64url", id + ".!!!", tokens.ErrMalformed},
		{"signature too short", id + "." + sig[:10], tokens.ErrMalformed},
		{"padded signature", token + "=", tokens.ErrMalformed},
		{"id with a character outside base64url", "a/b." + sig, tokens.ErrMalformed},
		{"two dots", "a.b." + sig, tokens.ErrMalformed},
		{"id too long", strings.Repeat("a", 200) + "." + sig, tokens.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Verify(tt.token)
			require.ErrorIs(t, err, tt.want)
			require.Empty(t, got)
		})
	}
}

func TestSignerKeepsItsOwnCopyOfTheKey(t *testing.T) {
	k := append([]byte(nil), key...)
	s := tokens.NewSigner(k)
	token := s.Sign("abc123")

	k[0] ^= 0xff

	_, err := s.Verify(token)
	require.NoError(t, err)
}

func FuzzVerify(f *testing.F) {
	s := tokens.NewSigner(key)
	f.Add(s.Sign("abc123"))
	f.Add("abc123.")
	f.Add("")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		id, err := s.Verify(token)
		if err == nil {
			require.Equal(t, s.Sign(id), token, "only tokens Sign makes verify")
		}
	})
}

func TestOlderKeysStillVerifyWhatTheySigned(t *testing.T) {
	old := tokens.NewSigner(key)
	other := []byte("another key, 32 bytes or longer!")
	rotated := tokens.NewSigner([]byte("the new key, also 32 bytes long.."), key)

	got, err := rotated.Verify(old.Sign("abc123"))
	require.NoError(t, err, "a token signed before the rotation")
	require.Equal(t, "abc123", got)
	_, err = old.Verify(rotated.Sign("abc123"))
	require.ErrorIs(t, err, tokens.ErrForged, "the new key is not the old one")
	_, err = rotated.Verify(tokens.NewSigner(other).Sign("abc123"))
	require.ErrorIs(t, err, tokens.ErrForged)
}
