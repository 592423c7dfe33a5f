package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ccflow/ccflow/core/entry"
)

// entryYAML writes an entry's definition as YAML, the form contact centers
// keep entries in as files, with its keys in the order the API writes them
// (not sorted, as converting through a map would), so a diff shows what
// changed and nothing else.
func entryYAML(e entry.Entry) (string, error) {
	data, err := json.Marshal(e.Definition())
	if err != nil {
		return "", fmt.Errorf("encoding entry %q version %d: %w", e.ID, e.Version, err)
	}
	var doc yaml.Node // JSON is YAML: decoding it keeps the keys' order
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("reading entry %q version %d as YAML: %w", e.ID, e.Version, err)
	}
	blockStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("writing entry %q version %d as YAML: %w", e.ID, e.Version, err)
	}
	return buf.String(), nil
}

// blockStyle turns JSON's flow style into YAML's block style: one key per
// line, texts of several lines as literal blocks. A text that YAML 1.1
// readers (such as the one entry files are read with) would take for
// something else keeps its quotes, so the YAML can be copied into a file.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		switch {
		case strings.Contains(n.Value, "\n"):
			n.Style = yaml.LiteralStyle
		case ambiguous(n.Value):
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// ambiguous reports whether a plain YAML 1.1 scalar s would not read as a
// string: a boolean, a null or a number.
func ambiguous(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off", "true", "false", "null", "~", "":
		return true
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return true
	}
	return false
}

// diffLine is one line of a diff: kept (" "), added ("+") or removed
// ("-").
type diffLine struct {
	Op   string
	Text string
}

// diffHunk is a run of changed lines with the kept lines around them.
type diffHunk struct {
	Lines []diffLine
}

// maxDiffCells bounds the work of diffLines; two versions longer than that
// are shown as one replaced by the other.
const maxDiffCells = 4_000_000

// diffLines diffs two texts line by line (a longest common subsequence).
func diffLines(before, after string) []diffLine {
	a, b := splitLines(before), splitLines(after)
	if len(a)*len(b) > maxDiffCells {
		var out []diffLine
		for _, l := range a {
			out = append(out, diffLine{"-", l})
		}
		for _, l := range b {
			out = append(out, diffLine{"+", l})
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{" ", a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// hunks keeps the changed lines of a diff and context kept lines around
// each, in runs.
func hunks(lines []diffLine, context int) []diffHunk {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op == " " {
			continue
		}
		for k := max(0, i-context); k <= min(len(lines)-1, i+context); k++ {
			keep[k] = true
		}
	}
	var out []diffHunk
	var cur *diffHunk
	for i, l := range lines {
		if !keep[i] {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, diffHunk{})
			cur = &out[len(out)-1]
		}
		cur.Lines = append(cur.Lines, l)
	}
	return out
}

// countOps counts the added and removed lines of a diff.
func countOps(lines []diffLine) (added, removed int) {
	for _, l := range lines {
		switch l.Op {
		case "+":
			added++
		case "-":
			removed++
		}
	}
	return added, removed
}
