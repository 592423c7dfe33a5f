package entrysync

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
)

// Exported is what Export wrote and what it left.
type Exported struct {
	// Written lists the files written, in entry-id order.
	Written []ExportedFile
	// Left lists the files of the folder whose entry is not live, by id.
	Left []ExportedFile
}

// ExportedFile is one entry file.
type ExportedFile struct {
	Path    string
	ID      string
	Version int // 0 for a file left alone
}

// Export writes every live entry into dir, which it creates if need be,
// without what the server assigns, so that applying dir right after
// changes nothing. An entry goes into the file of dir that already holds
// its id, if any (so exporting into a repository's folder updates its
// files in place), else into <id>.yaml. It prints each file written to w,
// and names the files of dir that hold no live entry.
func Export(ctx context.Context, r Remote, dir string, w io.Writer) (Exported, error) {
	var done Exported
	live, err := r.Entries(ctx)
	if err != nil {
		return done, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return done, fmt.Errorf("creating the export folder: %w", err)
	}
	existing, err := filesByID(dir)
	if err != nil {
		return done, err
	}
	for _, e := range live {
		path, ok := existing[e.ID]
		delete(existing, e.ID)
		if !ok {
			path = filepath.Join(dir, e.ID+".yaml")
		}
		data, err := encodeFor(path, e)
		if err != nil {
			return done, err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return done, fmt.Errorf("writing entry %s: %w", e.ID, err)
		}
		done.Written = append(done.Written, ExportedFile{Path: path, ID: e.ID, Version: e.Version})
		fmt.Fprintf(w, "wrote %s (%s v%d)\n", path, e.ID, e.Version)
	}
	for _, id := range slices.Sorted(maps.Keys(existing)) {
		done.Left = append(done.Left, ExportedFile{Path: existing[id], ID: id})
		fmt.Fprintf(w, "left  %s: its entry %s is not live\n", existing[id], id)
	}
	return done, nil
}

// filesByID maps the id of each entry file already in dir to its path.
// Files that do not decode are skipped: they are not exported entries.
func filesByID(dir string) (map[string]string, error) {
	paths, err := entryFiles(dir)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		e, err := decoderFor(path)(data)
		if err != nil {
			continue
		}
		entry.Normalize(&e)
		ids[e.ID] = path
	}
	return ids, nil
}

// encodeFor encodes e in the format path's extension names.
func encodeFor(path string, e entry.Entry) ([]byte, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return []byte(Canonical(e)), nil
	}
	return entry.EncodeYAML(e)
}
