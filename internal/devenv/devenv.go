// Package devenv brings up what ccflow needs on a developer's machine or in
// CI, from nothing but Go and the repository: a PostgreSQL server made from
// the machine's binaries (installed from Debian's packages when missing), the
// pinned Temporal CLI dev server, and, for `make dev`, the worker and the
// starter. Servers named by DATABASE_URL or TEMPORAL_ADDRESS are used instead
// of starting new ones.
package devenv

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// say prints one progress line on stderr, where it does not mix with a
// test command's output on stdout.
func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "devenv: "+format+"\n", args...)
}

// since formats the time a step took for a progress line.
func since(start time.Time) string {
	return time.Since(start).Round(100 * time.Millisecond).String()
}

// repoRoot returns the folder holding go.mod, from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory: run devenv inside the repository")
		}
		dir = parent
	}
}

// relative shows path relative to root when it is inside it, for messages.
func relative(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}
