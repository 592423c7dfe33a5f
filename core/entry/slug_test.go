package entry_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

func TestSlug(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"Post-call survey", "post-call-survey"},
		{"  Sentiment < 0.2: call back!  ", "sentiment-0-2-call-back"},
		{"Enquête qualité", "enquete-qualite"},
		{"VIP__follow--up", "vip-follow-up"},
		{"2nd try", "2nd-try"},
		{"日本語", ""},
		{"", ""},
		{strings.Repeat("ab ", 40), strings.TrimSuffix(strings.Repeat("ab-", 22), "-")[:64]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, entry.Slug(tt.name))
		})
	}
}
