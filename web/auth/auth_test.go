package auth_test

import (
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, auth.NewTokens(tt.configured...).Accepts(tt.presented))
		})
	}
}
