package console

import (
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

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

// diffOps are the signs of udiff's kinds of line.
var diffOps = map[udiff.OpKind]string{udiff.Equal: " ", udiff.Insert: "+", udiff.Delete: "-"}

// diffText diffs two texts line by line, with context kept lines around
// each change, and counts the lines added and removed.
func diffText(before, after string, context int) (hunks []diffHunk, added, removed int) {
	d, err := udiff.ToUnifiedDiff("before", "after", before, udiff.Lines(before, after), context)
	if err != nil {
		// Lines' edits always apply to the text they were made from.
		panic("console: diffing two versions: " + err.Error())
	}
	for _, h := range d.Hunks {
		var hunk diffHunk
		for _, l := range h.Lines {
			switch l.Kind {
			case udiff.Insert:
				added++
			case udiff.Delete:
				removed++
			}
			hunk.Lines = append(hunk.Lines, diffLine{Op: diffOps[l.Kind], Text: strings.TrimSuffix(l.Content, "\n")})
		}
		hunks = append(hunks, hunk)
	}
	return hunks, added, removed
}
