package providers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers"
)

func TestMessageIDsCarryTheSendersDomain(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, from, want string }{
		{"<0f6e1b2a@ccflow>", "support@example.com", "<0f6e1b2a@example.com>"},
		{"0f6e1b2a", "Acme Support <care@Acme.Example>", "<0f6e1b2a@acme.example>"},
		{"<x@y>", `"Acme, Inc." <care@bücher.example>`, "<x@xn--bcher-kva.example>"},
		{"<x>", "no domain", "<x@invalid>"},
		{"<x>", "care@", "<x@invalid>"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, providers.MessageID(tt.id, tt.from), "%s from %s", tt.id, tt.from)
	}
}
