package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/web/auth"
)

// requireToken lets through only requests carrying "Authorization: Bearer
// <token>" with a token tokens accepts (the console checks its sign-ins
// with the same function). A client that has failed the check too often
// (backoff) is answered 429 before its token is looked at; a request with
// no Authorization header at all is no guess, and is not counted.
func requireToken(tokens auth.Tokens, backoff *auth.Backoff, envVar string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait := backoff.Wait(r); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, &apiError{Status: http.StatusTooManyRequests, Code: codeTooManyRequests,
				Message: fmt.Sprintf("too many requests with a wrong token from this address: try again in %d s", secs)})
			return
		}
		if !tokens.Bearer(r) {
			if strings.TrimSpace(r.Header.Get("Authorization")) != "" {
				backoff.Failed(r)
			}
			writeError(w, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
				Message: "a valid bearer token is required (Authorization: Bearer <" + envVar + ">)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
