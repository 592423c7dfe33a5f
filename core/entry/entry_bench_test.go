package entry_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccflow/ccflow/core/entry"
)

// seedEntry is the example entry of SPEC's seed scenario, as make dev loads it.
func seedEntry(b *testing.B) entry.Entry {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "entries", "post-call-survey.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	e, err := entry.DecodeYAML(data)
	if err != nil {
		b.Fatal(err)
	}
	entry.Normalize(&e)
	return e
}

func BenchmarkValidate(b *testing.B) {
	e := seedEntry(b)
	catalog := entry.DefaultCatalog()
	b.ReportAllocs()
	for b.Loop() {
		if err := entry.Validate(e, catalog); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode decodes the seed entry as the API receives it, in JSON.
func BenchmarkDecode(b *testing.B) {
	data, err := json.Marshal(seedEntry(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := entry.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
