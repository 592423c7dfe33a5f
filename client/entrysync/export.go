package entrysync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"

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
	return EncodeYAML(e)
}

// EncodeYAML writes e as an entry file, without version and updated_at.
// Fields keep the order of the API's JSON (id, name, … triggers, steps;
// each step's type near its top) rather than the alphabetical order a
// map-based encoder gives, so an exported file reads like a hand-written
// one; multi-line texts become literal blocks.
func EncodeYAML(e entry.Entry) ([]byte, error) {
	data, err := json.Marshal(e.Definition())
	if err != nil {
		return nil, fmt.Errorf("encoding entry %s: %w", e.ID, err)
	}
	// JSON is YAML: parsing it as a node tree keeps the fields' order.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("encoding entry %s as YAML: %w", e.ID, err)
	}
	if err := blockStyle(&doc); err != nil {
		return nil, fmt.Errorf("encoding entry %s as YAML: %w", e.ID, err)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encoding entry %s as YAML: %w", e.ID, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding entry %s as YAML: %w", e.ID, err)
	}
	return out.Bytes(), nil
}

// blockStyle turns the JSON-styled tree into block YAML. Each string is
// re-encoded on its own so the encoder quotes the ones a YAML 1.1 reader
// (such as DecodeYAML's) would take for something else, like "yes" or
// "1:20", and writes multi-line ones as literal blocks.
func blockStyle(n *yaml.Node) error {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		var s yaml.Node
		if err := s.Encode(n.Value); err != nil {
			return err
		}
		*n = s
	}
	for _, child := range n.Content {
		if err := blockStyle(child); err != nil {
			return err
		}
	}
	return nil
}
