package cursor_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/cursor"
	"github.com/ccflow/ccflow/core/validation"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c := cursor.New([]byte("0123456789abcdef0123456789abcdef"))
	pos := []string{"2026-11-23T10:15:00.123456Z", "post-call-survey/INT-1/survey"}
	got, err := c.Decode("answers entry=a", c.Encode("answers entry=a", pos), 2)
	require.NoError(t, err)
	require.Equal(t, pos, got)
}

func TestRefused(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	c := cursor.New(key)
	good := c.Encode("answers entry=a", []string{"x", "y"})
	data, sig, _ := strings.Cut(good, ".")
	other := cursor.New([]byte("another key, another server......"))

	for _, tt := range []struct {
		name, query, cursor string
		want                int
		message             string
	}{
		{"another query", "answers entry=b", good, 2, "belongs to another query"},
		{"signed by another key", "answers entry=a", other.Encode("answers entry=a", []string{"x", "y"}), 2, "is not a cursor"},
		{"edited position", "answers entry=a", strings.ToUpper(data[:4]) + data[4:] + "." + sig, 2, "is not a cursor"},
		{"no signature", "answers entry=a", data, 2, "is not a cursor"},
		{"garbage", "answers entry=a", "%%%.!!!", 2, "is not a cursor"},
		{"empty", "answers entry=a", "", 2, "is not a cursor"},
		{"huge", "answers entry=a", strings.Repeat("a", 5000), 2, "is not a cursor"},
		{"position of another shape", "answers entry=a", good, 3, "is not a cursor"},
		{"another query and shape", "answers entry=b", good, 3, "belongs to another query"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Decode(tt.query, tt.cursor, tt.want)
			require.Error(t, err)
			fe := validation.First(err)
			require.NotNil(t, fe)
			require.Equal(t, cursor.Field, fe.Path)
			require.Contains(t, fe.Message, tt.message)
		})
	}
}
