package entrysync

import (
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines a hunk shows around a change.
const diffContext = 3

// lineOp is one line of a diff: kept (' '), removed ('-') or added ('+').
type lineOp struct {
	kind byte
	text string
}

// Diff returns a unified diff from a to b, line by line, headed by their
// names, or "" when they are equal. Entries are a few hundred lines at
// most, so the plain longest-common-subsequence table is small enough.
func Diff(aName, bName, a, b string) string {
	ops := diffLines(splitLines(a), splitLines(b))
	var out strings.Builder
	for _, h := range hunks(ops) {
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
		}
		out.WriteString(h)
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffLines aligns a and b on a longest common subsequence of their lines.
func diffLines(a, b []string) []lineOp {
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
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
	ops := make([]lineOp, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, lineOp{' ', a[i]})
			i, j = i+1, j+1
		case j == len(b) || (i < len(a) && lcs[i+1][j] >= lcs[i][j+1]):
			// Removals come before additions, as readers of diffs expect.
			ops = append(ops, lineOp{'-', a[i]})
			i++
		default:
			ops = append(ops, lineOp{'+', b[j]})
			j++
		}
	}
	return ops
}

// hunks groups the changed lines of ops, with diffContext kept lines
// around each, into unified-diff hunks; changes at most twice the context
// apart share a hunk.
func hunks(ops []lineOp) []string {
	var out []string
	for lo := 0; lo < len(ops); {
		first := nextChange(ops, lo)
		if first == len(ops) {
			break
		}
		start := max(first-diffContext, lo)
		end := first
		for end < len(ops) {
			next := nextChange(ops, end+1)
			if next == len(ops) || next-end-1 > 2*diffContext {
				break
			}
			end = next
		}
		stop := min(end+1+diffContext, len(ops))
		out = append(out, formatHunk(ops, start, stop))
		lo = stop
	}
	return out
}

func nextChange(ops []lineOp, from int) int {
	for i := from; i < len(ops); i++ {
		if ops[i].kind != ' ' {
			return i
		}
	}
	return len(ops)
}

// formatHunk writes ops[start:stop] under its "@@ -a,n +b,m @@" header,
// whose line numbers count from 1 in each side.
func formatHunk(ops []lineOp, start, stop int) string {
	aBefore, bBefore := 0, 0
	for _, op := range ops[:start] {
		aBefore, bBefore = aBefore+countIn(op, '-'), bBefore+countIn(op, '+')
	}
	aLen, bLen := 0, 0
	var body strings.Builder
	for _, op := range ops[start:stop] {
		aLen, bLen = aLen+countIn(op, '-'), bLen+countIn(op, '+')
		body.WriteByte(op.kind)
		body.WriteString(op.text)
		body.WriteByte('\n')
	}
	return fmt.Sprintf("@@ -%s +%s @@\n%s", hunkRange(aBefore, aLen), hunkRange(bBefore, bLen), body.String())
}

// countIn says whether op holds a line of the side whose changes are
// marked side: kept lines belong to both.
func countIn(op lineOp, side byte) int {
	if op.kind == ' ' || op.kind == side {
		return 1
	}
	return 0
}

// hunkRange is "start,length"; an empty range names the line before it,
// as in GNU diff.
func hunkRange(before, length int) string {
	if length == 0 {
		return fmt.Sprintf("%d,0", before)
	}
	return fmt.Sprintf("%d,%d", before+1, length)
}
