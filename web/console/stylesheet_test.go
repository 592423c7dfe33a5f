package console

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every rule of the stylesheet closes where it opens: a block left open
// (a merge once left a phone's @media query unclosed) quietly moves every
// rule after it inside, and a desktop browser drops them all.
func TestTheStylesheetsBlocksAllClose(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("static/console.css")
	require.NoError(t, err)
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(data), "")
	depth := 0
	for i, line := range strings.Split(css, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "@media") {
			require.Zero(t, depth, "line %d: an @media query inside another block", i+1)
		}
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		require.GreaterOrEqual(t, depth, 0, "line %d closes a block that is not open", i+1)
	}
	require.Zero(t, depth, "a block is left open at the end")
}
