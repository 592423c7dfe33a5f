package entry

import (
	"bytes"
	"encoding/json"
	"fmt"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// EncodeYAML writes e's definition (without version and updated_at) as
// YAML, the form entries take as files in a contact center's repository,
// so that DecodeYAML reads back the same definition. It is the one
// writer of entry YAML: ccflowctl exports files with it and the console
// shows versions and their diffs in it.
//
// Keys keep the order of the API's JSON (id, name, … triggers, steps; each
// step's type near its top) rather than the alphabetical order a map-based
// encoder gives, so a file reads like a hand-written one and a diff shows
// what changed and nothing else. Texts of several lines are literal
// blocks. A text the reader of entry files (YAML 1.1) would take for
// something else, such as yes, 1e3, null or 0o17, is quoted.
func EncodeYAML(e Entry) ([]byte, error) {
	data, err := json.Marshal(e.Definition())
	if err != nil {
		return nil, fmt.Errorf("encoding entry %q: %w", e.ID, err)
	}
	var doc yaml.Node // JSON is YAML: reading it as a node tree keeps the keys' order
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("encoding entry %q as YAML: %w", e.ID, err)
	}
	if err := blockStyle(&doc); err != nil {
		return nil, fmt.Errorf("encoding entry %q as YAML: %w", e.ID, err)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encoding entry %q as YAML: %w", e.ID, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding entry %q as YAML: %w", e.ID, err)
	}
	return out.Bytes(), nil
}

// blockStyle turns JSON's flow style into YAML's block style, one key per
// line, and chooses how each text is written: a literal block when it has
// several lines; else as the encoder writes it by itself (plain where it
// can), unless the reader of entry files would then read something else,
// in which case it is double-quoted.
func blockStyle(n *yaml.Node) error {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		style, err := textStyle(n.Value)
		if err != nil {
			return err
		}
		n.Style = style
	}
	for _, c := range n.Content {
		if err := blockStyle(c); err != nil {
			return err
		}
	}
	return nil
}

// textStyle is the style text is written in.
func textStyle(text string) (yaml.Style, error) {
	for _, style := range []yaml.Style{yaml.LiteralStyle, 0} {
		if style == yaml.LiteralStyle && !bytes.ContainsRune([]byte(text), '\n') {
			continue
		}
		same, err := readsBack(text, style)
		if err != nil {
			return 0, err
		}
		if same {
			return style, nil
		}
	}
	return yaml.DoubleQuotedStyle, nil
}

// readsBack reports whether text, written in style as a value (and as a
// key, which resolves the same), reads back as that text with the reader
// of entry files.
func readsBack(text string, style yaml.Style) (bool, error) {
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "k"}
	value := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text, Style: style}
	data, err := yaml.Marshal(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, value}})
	if err != nil {
		return false, err
	}
	j, err := sigsyaml.YAMLToJSON(data)
	if err != nil {
		return false, nil // not readable at all: another style
	}
	var back map[string]any
	if err := json.Unmarshal(j, &back); err != nil {
		return false, nil
	}
	return back["k"] == text, nil
}
