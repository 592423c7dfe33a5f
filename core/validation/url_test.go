package validation_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
)

func TestAbsoluteURL(t *testing.T) {
	tests := []struct {
		raw     string
		schemes []string
		message string // empty: accepted
	}{
		{"https://crm.example/api", nil, ""},
		{"http://127.0.0.1:8080", nil, ""},
		{"smtp://user:secret@mail:25", []string{"smtp", "smtps"}, ""},
		{"ftp://files.example", nil, "must be an absolute http:// or https:// URL with a host"},
		{"https:///no-host", nil, "must be an absolute http:// or https:// URL with a host"},
		{"mail.example:25", []string{"smtp", "smtps"}, "must be an absolute smtp:// or smtps:// URL with a host"},
		{"http://user:se cret@%zz", nil, "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := validation.AbsoluteURL(tt.raw, tt.schemes...)
			if tt.message == "" {
				require.NoError(t, err)
				require.NotEmpty(t, u.Host)
				return
			}
			require.EqualError(t, err, tt.message)
			require.NotContains(t, err.Error(), "secret", "a password never reaches the message")
		})
	}
}
