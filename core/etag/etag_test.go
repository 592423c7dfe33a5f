package etag_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/etag"
)

func TestEntryTagsDifferByIDAndVersion(t *testing.T) {
	tag := etag.Entry("post-call-survey", 3)

	require.Regexp(t, `^"3-[0-9a-f]{12}"$`, tag)
	require.Equal(t, tag, etag.Entry("post-call-survey", 3), "the same version has the same tag")
	require.NotEqual(t, tag, etag.Entry("post-call-survey", 4))
	require.NotEqual(t, tag, etag.Entry("unhappy-caller", 3))
}

func TestParseIfMatch(t *testing.T) {
	current := etag.Entry("a", 2)
	tests := []struct {
		header  string
		ok      bool
		matches bool
	}{
		{header: "*", ok: true, matches: true},
		{header: current, ok: true, matches: true},
		{header: ` "1-000000000000" , ` + current, ok: true, matches: true},
		{header: etag.Entry("a", 1), ok: true, matches: false},
		{header: "W/" + current, ok: true, matches: false},
		{header: "", ok: false},
		{header: "2", ok: false},
		{header: `"a"b"`, ok: false},
		{header: current + ",", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			c, ok := etag.ParseIfMatch(tt.header)

			require.Equal(t, tt.ok, ok)
			if ok {
				require.Equal(t, tt.matches, c.Matches(current))
			}
		})
	}
}
