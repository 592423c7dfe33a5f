// Package auth is the one check of ccflow's API token, shared by the JSON
// API (the Authorization header of every /v1/* request) and the
// administrator's console (the token entered on its sign-in page, and again
// on every request of its session), so that both accept exactly the same
// tokens. CCFLOW_API_TOKEN may list several, comma-separated, so a new one
// can be handed out while the old one still works, and the old one dropped
// once no client sends it.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// Tokens are the API tokens ccflow accepts.
type Tokens struct {
	sums [][sha256.Size]byte
}

// NewTokens returns the tokens configured; each may be a comma-separated
// list (CCFLOW_API_TOKEN), spaces around a token are dropped and empty ones
// ignored, so with none configured no token is accepted.
func NewTokens(configured ...string) Tokens {
	var t Tokens
	for _, list := range configured {
		for token := range strings.SplitSeq(list, ",") {
			if token = strings.TrimSpace(token); token != "" {
				t.sums = append(t.sums, sha256.Sum256([]byte(token)))
			}
		}
	}
	return t
}

// Len is how many tokens are accepted.
func (t Tokens) Len() int { return len(t.sums) }

// Accepts reports whether presented is one of the tokens. Both sides are
// hashed before the constant-time compare so that not even the token's
// length leaks through timing, and every configured token is compared, so
// the time taken does not say which one matched.
func (t Tokens) Accepts(presented string) bool {
	got := sha256.Sum256([]byte(presented))
	ok := 0
	for _, want := range t.sums {
		ok |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return ok == 1
}

// Bearer reports whether r carries "Authorization: Bearer <token>" with a
// token t accepts (the scheme in any case).
func (t Tokens) Bearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && t.Accepts(strings.TrimSpace(token))
}

// Fingerprint is a fingerprint of presented, keyed with key (an HMAC of
// its SHA-256): what a console session keeps instead of the token, so a
// session cookie opened with its key still does not hold the token.
func Fingerprint(key []byte, presented string) string {
	sum := sha256.Sum256([]byte(presented))
	return fingerprint(key, sum)
}

func fingerprint(key []byte, sum [sha256.Size]byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(sum[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// AcceptsFingerprint reports whether fp is the Fingerprint, keyed with key,
// of one of the tokens: a session of a token taken out of the list ends.
func (t Tokens) AcceptsFingerprint(key []byte, fp string) bool {
	ok := 0
	for _, want := range t.sums {
		ok |= subtle.ConstantTimeCompare([]byte(fp), []byte(fingerprint(key, want)))
	}
	return ok == 1
}
