package auth_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web/auth"
)

func TestAccepts(t *testing.T) {
	tests := []struct {
		name       string
		configured []string
		presented  string
		want       bool
	}{
		{"the token", []string{"s3cret"}, "s3cret", true},
		{"another token", []string{"s3cret"}, "guess", false},
		{"a prefix", []string{"s3cret"}, "s3cre", false},
		{"with a suffix", []string{"s3cret"}, "s3cretx", false},
		{"empty, none configured", nil, "", false},
		{"empty, an empty one configured", []string{""}, "", false},
		{"empty, one configured", []string{"s3cret"}, "", false},
		{"the second of two", []string{"old", "new"}, "new", true},
		{"the new one of a rotated list", []string{"new-one, old-one"}, "new-one", true},
		{"the old one of a rotated list", []string{"new-one, old-one"}, "old-one", true},
		{"the list itself", []string{"new-one,old-one"}, "new-one,old-one", false},
		{"empty items are no tokens", []string{"s3cret,,"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, auth.NewTokens(tt.configured...).Accepts(tt.presented))
		})
	}
	require.Equal(t, 2, auth.NewTokens(" a , b ,").Len())
}

func TestBearer(t *testing.T) {
	tokens := auth.NewTokens("new-one,old-one")
	for header, want := range map[string]bool{
		"Bearer old-one": true,
		"bearer new-one": true,
		"old-one":        false,
		"Basic old-one":  false,
		"Bearer ":        false,
	} {
		r := httptest.NewRequest("GET", "/v1/entries", nil)
		r.Header.Set("Authorization", header)
		require.Equal(t, want, tokens.Bearer(r), header)
	}
}
