// Package auth is the one check of ccflow's API token, shared by the JSON
// API (the Authorization header of every /v1/* request) and the
// administrator's console (the token entered on its sign-in page, and again
// on every request of its session), so that both accept exactly the same
// tokens.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
)

// Tokens are the API tokens ccflow accepts.
type Tokens struct {
	sums [][sha256.Size]byte
}

// NewTokens returns the tokens configured; empty ones are ignored, so with
// none configured no token is accepted.
func NewTokens(configured ...string) Tokens {
	var t Tokens
	for _, token := range configured {
		if token != "" {
			t.sums = append(t.sums, sha256.Sum256([]byte(token)))
		}
	}
	return t
}

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
