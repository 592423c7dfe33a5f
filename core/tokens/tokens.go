// Package tokens signs the tokens in survey links. A token is
// "<id>.<signature>": the id finds the survey, the HMAC-SHA256 signature
// proves ccflow issued it, so a guessed or altered link is refused before
// any lookup and never reaches another customer's survey.
package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Errors Verify returns; callers answer both with the same "invalid link"
// page, but log them apart.
var (
	ErrMalformed = errors.New("survey token is malformed")
	ErrForged    = errors.New("survey token signature does not match")
)

// maxIDLength bounds ids so that Verify rejects absurd input before hashing.
const maxIDLength = 128

var encoding = base64.RawURLEncoding

// Signer signs tokens with one secret key and verifies them with that key
// or an older one.
type Signer struct {
	key []byte
	// older are keys that signed tokens once and still verify them: a key
	// rotated out, or the secret itself from before each kind of link had
	// a key of its own, so links already sent keep working.
	older [][]byte
}

// NewSigner returns a Signer for key, which should be at least 32 random
// bytes kept secret by the server; tokens signed with any of older verify
// too.
func NewSigner(key []byte, older ...[]byte) *Signer {
	s := &Signer{key: append([]byte(nil), key...)}
	for _, k := range older {
		s.older = append(s.older, append([]byte(nil), k...))
	}
	return s
}

// Sign returns the token for id. id must be URL-safe (letters, digits, '-'
// and '_'), as NewID's are.
func (s *Signer) Sign(id string) string {
	return id + "." + encoding.EncodeToString(s.mac(id))
}

// Verify returns the id inside token when s signed it. It fails with
// ErrMalformed when token does not have the shape of one, and ErrForged
// when its signature is not s's (made with its key or an older one).
func (s *Signer) Verify(token string) (string, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || !validID(id) {
		return "", ErrMalformed
	}
	got, err := encoding.Strict().DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return "", ErrMalformed
	}
	ok = hmac.Equal(got, mac(s.key, id)) // constant time: no timing oracle on the signature
	for _, k := range s.older {
		ok = hmac.Equal(got, mac(k, id)) || ok
	}
	if !ok {
		return "", ErrForged
	}
	return id, nil
}

func (s *Signer) mac(id string) []byte { return mac(s.key, id) }

func mac(key []byte, id string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	return h.Sum(nil)
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDLength {
		return false
	}
	for _, c := range id {
		if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NewID returns a random 128-bit id, URL-safe, for a new survey token.
func NewID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes for a survey token: %w", err)
	}
	return encoding.EncodeToString(b), nil
}
