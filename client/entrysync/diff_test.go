package entrysync_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/entrysync"
)

// numbered returns lines "1".."n", one per line.
func numbered(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprint(i + 1)
	}
	return lines
}

// text joins lines into a file's text, after replacing the lines that
// edits name (index → new line; "" drops the line).
func text(lines []string, edits map[int]string) string {
	var b strings.Builder
	for i, l := range lines {
		if e, ok := edits[i]; ok {
			l = e
			if l == "" {
				continue
			}
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestDiff(t *testing.T) {
	ten := numbered(10)
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{
			name: "equal texts have no diff",
			a:    text(ten, nil), b: text(ten, nil),
			want: "",
		},
		{
			name: "a changed line shows with three lines around it",
			a:    text(ten, nil), b: text(ten, map[int]string{4: "five"}),
			want: "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "a removed first line",
			a:    text(ten, nil), b: text(ten, map[int]string{0: ""}),
			want: "--- a\n+++ b\n@@ -1,4 +1,3 @@\n-1\n 2\n 3\n 4\n",
		},
		{
			name: "a line added at the end",
			a:    text(ten, nil), b: text(ten, nil) + "11\n",
			want: "--- a\n+++ b\n@@ -8,3 +8,4 @@\n 8\n 9\n 10\n+11\n",
		},
		{
			name: "everything new",
			a:    "", b: "x\ny\n",
			want: "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n",
		},
		{
			name: "changes six lines apart share a hunk",
			a:    text(ten, nil), b: text(ten, map[int]string{1: "two", 8: "nine"}),
			want: "--- a\n+++ b\n@@ -1,10 +1,10 @@\n 1\n-2\n+two\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+nine\n 10\n",
		},
		{
			name: "changes seven lines apart get a hunk each",
			a:    text(numbered(12), nil), b: text(numbered(12), map[int]string{1: "two", 9: "ten"}),
			want: "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n" +
				"@@ -7,6 +7,6 @@\n 7\n 8\n 9\n-10\n+ten\n 11\n 12\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, entrysync.Diff("a", "b", tt.a, tt.b))
		})
	}
}
