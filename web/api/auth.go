package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// requireToken lets through only requests carrying "Authorization: Bearer
// <token>". Both sides are hashed before the constant-time compare so that
// not even the token's length leaks through timing.
func requireToken(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		gotSum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" ||
			subtle.ConstantTimeCompare(gotSum[:], want[:]) != 1 {
			writeError(w, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
				Message: "a valid bearer token is required (Authorization: Bearer <CCFLOW_API_TOKEN>)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
