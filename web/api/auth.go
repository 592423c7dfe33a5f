package api

import (
	"net/http"

	"github.com/ccflow/ccflow/web/auth"
)

// requireToken lets through only requests carrying "Authorization: Bearer
// <token>" with a token auth accepts (the console checks its sign-ins with
// the same function); token may list several, comma-separated.
func requireToken(token string, next http.Handler) http.Handler {
	tokens := auth.NewTokens(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !tokens.Bearer(r) {
			writeError(w, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
				Message: "a valid bearer token is required (Authorization: Bearer <CCFLOW_API_TOKEN>)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
