package entrysync

import (
	udiff "github.com/aymanbagabas/go-udiff"
)

// Diff returns a unified diff from a to b, line by line with three lines of
// context, headed by their names, or "" when they are equal.
func Diff(aName, bName, a, b string) string {
	return udiff.Unified(aName, bName, a, b)
}
