// Package examples_test checks the example entry and event files: every one
// is valid, and each event matches the entries its name promises.
package examples_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/triggers"
)

func loadEntries(t *testing.T) []entry.Entry {
	t.Helper()
	files, err := entrysync.Load("entries", entry.DefaultCatalog())
	require.NoError(t, err, "every example entry is valid against the default catalog")
	entries := make([]entry.Entry, len(files))
	for i, f := range files {
		entries[i] = f.Entry
	}
	return entries
}

// loadEvent decodes an event file as strictly as the API does.
func loadEvent(t *testing.T, path string) interaction.Event {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ev interaction.Event
	require.NoError(t, dec.Decode(&ev), "decoding %s", path)
	return ev
}

func TestEveryExampleEntryIsValid(t *testing.T) {
	require.Len(t, loadEntries(t), 4)
}

func TestTheExampleEntriesUseEveryTriggerType(t *testing.T) {
	used := map[string]bool{}
	for _, e := range loadEntries(t) {
		for _, tr := range e.Triggers {
			used[tr.Type] = true
		}
	}
	require.Equal(t, map[string]bool{
		entry.TriggerDisposition: true, entry.TriggerCaseDisposition: true, entry.TriggerAverageSentiment: true,
	}, used)
}

func TestEveryExampleEventIsValid(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("events", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			require.NoError(t, loadEvent(t, path).Validate())
		})
	}
}

func TestEachExampleEventMatchesItsEntries(t *testing.T) {
	entries := loadEntries(t)
	tests := []struct {
		event string
		want  []string // "entry id: trigger"
	}{
		{"interaction-ended.json", []string{
			`case-needs-information: case_disposition = "Need more information"`,
			`post-call-survey: disposition = "Problem solved"`,
		}},
		{"disposition.json", []string{`post-call-survey: disposition = "Problem solved"`}},
		{"case-disposition.json", []string{`case-needs-information: case_disposition = "Need more information"`}},
		{"average-sentiment.json", []string{`unhappy-caller: average_sentiment < -0.3`}},
		{"answer-provided.json", []string{`answer-provided: disposition = "Answer provided"`}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			var got []string
			for _, m := range triggers.Find(loadEvent(t, filepath.Join("events", tt.event)), entries) {
				got = append(got, m.Entry.ID+": "+m.Reason)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// The example contact policy is what PUT /v1/policy takes.
func TestTheExamplePolicyIsValid(t *testing.T) {
	data, err := os.ReadFile("policy.json")
	require.NoError(t, err)
	p, err := policy.Decode(data)
	require.NoError(t, err)
	require.Equal(t, "30d", p.SurveyGrace)
}
