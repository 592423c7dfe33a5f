package entrysync_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
)

func TestEncodeYAMLKeepsTheAPIsFieldOrder(t *testing.T) {
	e := live(waitingEntry("a", "1d"), 7)
	e.Steps[0].ID = ""
	e.Steps = append(e.Steps, entry.Step{Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello\nagain\n")}})

	data, err := entry.EncodeYAML(e)

	require.NoError(t, err)
	require.Equal(t, `id: a
name: Entry a
enabled: true
triggers:
  - type: disposition
    disposition: Spam
steps:
  - type: wait
    duration: 1d
  - type: send_email
    subject: Hi
    text: |
      Hello
      again
`, string(data), "without version and updated_at")
}

func TestEncodeYAMLRoundTripsTextsAYAMLReaderWouldMisread(t *testing.T) {
	for _, s := range []string{"yes", "no", "on", "off", "true", "null", "~", "0755", "1_000", "1:20", "12e3",
		"2026-11-23", "- item", "# note", "key: value", "  leading spaces", "trailing spaces  ", "tab\there",
		"line\n  indented line\n", "no final newline\nhere", "\"quoted\"", "'single'", "$(customer.first_name)"} {
		t.Run(s, func(t *testing.T) {
			e := waitingEntry("a", "1d")
			e.Steps = append(e.Steps, entry.Step{Spec: &entry.SendSMS{Text: entry.Plain(s)}})

			data, err := entry.EncodeYAML(e)
			require.NoError(t, err)
			back, err := entry.DecodeYAML(data)

			require.NoError(t, err, "decoding %s", data)
			require.Equal(t, entry.Plain(s), back.Steps[1].Spec.(*entry.SendSMS).Text, "encoded as %s", data)
		})
	}
}

func TestEncodeYAMLRoundTripsTheExamples(t *testing.T) {
	files, err := entrysync.Load(filepath.Join("..", "..", "examples", "entries"), entry.DefaultCatalog())
	require.NoError(t, err)
	for _, f := range files {
		t.Run(f.Entry.ID, func(t *testing.T) {
			data, err := entry.EncodeYAML(f.Entry)
			require.NoError(t, err)

			back, err := entry.DecodeYAML(data)

			require.NoError(t, err)
			require.Equal(t, entrysync.Canonical(f.Entry), entrysync.Canonical(back))
		})
	}
}

func TestExportThenApplyChangesNothing(t *testing.T) {
	remote := newFakeRemote(live(waitingEntry("a", "1d"), 2), live(waitingEntry("b", "1w"), 5))
	dir := filepath.Join(t.TempDir(), "exported")
	var out strings.Builder

	_, err := entrysync.Export(context.Background(), remote, dir, &out)
	require.NoError(t, err)
	plan, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &strings.Builder{})

	require.NoError(t, err)
	require.Empty(t, remote.writes)
	require.Equal(t, 2, plan.Count(entrysync.Unchanged))
	require.Equal(t, "wrote "+filepath.Join(dir, "a.yaml")+" (a v2)\nwrote "+filepath.Join(dir, "b.yaml")+" (b v5)\n", out.String())
}

func TestExportRewritesTheFileThatHoldsAnEntryInPlace(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"first.json": waitEntry("a", "Entry a"),
		"gone.yaml":  waitEntry("gone", "Gone"),
	})
	remote := newFakeRemote(live(waitingEntry("a", "1w"), 2))
	var out strings.Builder

	_, err := entrysync.Export(context.Background(), remote, dir, &out)
	require.NoError(t, err)

	data, err := os.ReadFile(filepath.Join(dir, "first.json"))
	require.NoError(t, err)
	e, err := entry.Decode(data)
	require.NoError(t, err, "a JSON file stays JSON")
	require.Equal(t, "1w", e.Steps[0].Spec.(*entry.Wait).Duration)
	require.NoFileExists(t, filepath.Join(dir, "a.yaml"))
	require.Equal(t, "wrote "+filepath.Join(dir, "first.json")+" (a v2)\n"+
		"left  "+filepath.Join(dir, "gone.yaml")+": its entry gone is not live\n", out.String())
}

// A text written per language is a map in the file, each language's text
// on its own line (or block), and reads back the same.
func TestEncodeYAMLWritesTextsByLanguageAsAMap(t *testing.T) {
	e := waitingEntry("a", "1d")
	e.DefaultLanguage = "es"
	e.Steps = append(e.Steps, entry.Step{Spec: &entry.SendSMS{Text: entry.Translated(map[string]string{
		"es": "¡Gracias, $(customer.first_name)!", "ja": "ありがとうございました\n二行目", "en": "yes"})}})

	data, err := entry.EncodeYAML(e)
	require.NoError(t, err)
	require.Contains(t, string(data), `default_language: es`)
	require.Contains(t, string(data), "    text:\n      en: \"yes\"\n      es: ¡Gracias, $(customer.first_name)!\n      ja: |-\n        ありがとうございました\n        二行目\n")
	back, err := entry.DecodeYAML(data)
	require.NoError(t, err)
	require.Equal(t, e.Steps[1], back.Steps[1])
	require.Equal(t, "es", back.DefaultLanguage)
}
