package testenv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
)

// Inbound posts count a message's segments as Twilio splits it.
func TestSegmentsCountsAsTwilioSplitsATextMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want int
	}{
		{"a digit", "5", 1},
		{"empty", "", 1},
		{"160 GSM-7 characters", strings.Repeat("a", 160), 1},
		{"161 GSM-7 characters", strings.Repeat("a", 161), 2},
		{"two full concatenated segments", strings.Repeat("a", 306), 2},
		{"one more", strings.Repeat("a", 307), 3},
		{"1,600 GSM-7 characters", strings.Repeat("a", 1600), 11},
		{"the euro sign takes two septets", strings.Repeat("€", 80), 1},
		{"81 of them", strings.Repeat("€", 81), 2},
		{"accents of the GSM alphabet", strings.Repeat("é", 160), 1},
		{"an Arabic-Indic digit is UCS-2", "٥", 1},
		{"70 UCS-2 characters", strings.Repeat("ж", 70), 1},
		{"71 UCS-2 characters", strings.Repeat("ж", 71), 2},
		{"an emoji is two UTF-16 units", strings.Repeat("👍", 35), 1},
		{"36 of them", strings.Repeat("👍", 36), 2},
		{"1,600 UCS-2 characters", strings.Repeat("ж", 1600), 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, testenv.Segments(tt.body))
		})
	}
}
