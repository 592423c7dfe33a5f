package validation_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
)

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		rule    validation.Text
		value   string
		message string // "" when the value passes
	}{
		{"plain", validation.Line(10), "Ada", ""},
		{"at the limit, counted in characters", validation.Line(3), "Ädä", ""},
		{"RTL, zero-width joiner and emoji are text", validation.Line(50), "\u200fمرحبا \U0001F469\u200d\U0001F4BB", ""},
		{"over the limit", validation.Line(200), strings.Repeat("x", 3000), "is 3000 characters long; at most 200 are allowed"},
		{"NUL", validation.Line(10), "a\x00b", "holds a control character (U+0000) at character 2: write it as one line of text"},
		{"a line break on one line", validation.Line(10), "a\nb", "holds a control character (U+000A) at character 2: write it as one line of text"},
		{"a C1 control", validation.Line(10), "a\u0085b", "holds a control character (U+0085) at character 2"},
		{"DEL", validation.Line(10), "a\x7f", "holds a control character (U+007F) at character 2"},
		{"lines and tabs in a body", validation.Lines(20), "one\r\ntwo\tthree", ""},
		{"NUL in a body", validation.Lines(20), "one\n\x00", "holds a control character (U+0000) at character 5: only line breaks and tabs may be written"},
		{"invalid UTF-8", validation.Line(10), "a\xffb", "is not valid UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Check("customer.first_name", tt.value)
			if tt.message == "" {
				require.Nil(t, err)
				return
			}
			require.NotNil(t, err)
			require.Equal(t, "customer.first_name", err.Path)
			require.Contains(t, err.Message, tt.message)
		})
	}
}

func TestTextDescribesItself(t *testing.T) {
	require.Equal(t, "one line, at most 200 characters, no control characters", validation.Line(200).String())
	require.Equal(t, "at most 2000 characters; line breaks and tabs are the only control characters", validation.Lines(2000).String())
}

func TestQuoteNeverRepeatsAHugeValueWhole(t *testing.T) {
	require.Equal(t, `"Ada"`, validation.Quote("Ada"))
	require.Equal(t, `"`+strings.Repeat("é", 60)+`…" (61 characters)`, validation.Quote(strings.Repeat("é", 61)))
}
