package entrysync_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
)

const surveyYAML = `
name: Post-call survey
triggers:
  - type: disposition
    disposition: Problem solved
steps:
  - type: wait
    duration: 30m
`

const caseJSON = `{
  "id": "case-needs-information",
  "name": "Case needs information",
  "triggers": [{"type": "case_disposition", "disposition": "Need more information"}],
  "steps": [{"type": "send_sms", "text": "Case $(case.number) needs your details"}]
}`

const sentimentYML = `
id: unhappy-caller
name: Unhappy caller
triggers: [{type: average_sentiment, operator: "<", threshold: -0.3}]
steps: [{type: wait, duration: 1d}]
`

// waitEntry is a valid entry file (YAML, and so also JSON) with id and name.
func waitEntry(id, name string) string {
	return fmt.Sprintf(`{"id": %q, "name": %q, "triggers": [{"type": "disposition", "disposition": "Spam"}],
	  "steps": [{"type": "wait", "duration": "1d"}]}`, id, name)
}

// writeDir makes a folder holding files (name → content).
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

func TestLoadReadsYAMLAndJSONFilesInNameOrder(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"survey.yaml": surveyYAML,
		"case.json":   caseJSON,
		"unhappy.yml": sentimentYML,
		"README.md":   "# not an entry",
	})

	files, err := entrysync.Load(dir, entry.DefaultCatalog())

	require.NoError(t, err)
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path)+" "+f.Entry.ID)
	}
	require.Equal(t, []string{
		"case.json case-needs-information",
		"survey.yaml post-call-survey",
		"unhappy.yml unhappy-caller",
	}, got)
}

func TestLoadNormalizesLikeTheAPI(t *testing.T) {
	dir := writeDir(t, map[string]string{"survey.yaml": `
name: "  Post-call survey  "
triggers: [{type: disposition, disposition: " Problem solved "}]
steps: [{type: wait, duration: 30m}]
`})

	files, err := entrysync.Load(dir, entry.DefaultCatalog())

	require.NoError(t, err)
	e := files[0].Entry
	require.Equal(t, "post-call-survey", e.ID, "the id is the name's slug")
	require.Equal(t, "Post-call survey", e.Name)
	require.Equal(t, "Problem solved", e.Triggers[0].Disposition)
	require.True(t, e.Enabled, "enabled unless the file says otherwise")
}

func TestLoadErrorsNameTheFileAndTheField(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{
			name: "a value that is not a duration",
			files: map[string]string{"survey.yaml": `
name: Survey
triggers: [{type: disposition, disposition: Problem solved}]
steps:
  - {type: wait, duration: 1d}
  - {type: wait, duration: 1w}
  - {type: wait, duration: 3 dayz}
`},
			wantErr: `survey.yaml: steps[2].duration: "3 dayz" is not a duration`,
		},
		{
			name:    "an unknown field",
			files:   map[string]string{"survey.json": `{"name": "Survey", "triggers": [], "stepz": []}`},
			wantErr: `survey.json: stepz: unknown field`,
		},
		{
			name:    "a disposition the catalog does not hold",
			files:   map[string]string{"survey.yaml": "name: S\ntriggers: [{type: disposition, disposition: Solved}]\nsteps: [{type: wait, duration: 1d}]\n"},
			wantErr: `survey.yaml: triggers[0].disposition: "Solved" is not in the disposition catalog`,
		},
		{
			name:    "YAML that does not parse",
			files:   map[string]string{"survey.yaml": "name: [unclosed\n"},
			wantErr: `survey.yaml: not valid YAML`,
		},
		{
			name:    "two files with one name in different case",
			files:   map[string]string{"a.yaml": waitEntry("a", "Survey"), "b.yaml": waitEntry("b", "SURVEY")},
			wantErr: `b.yaml: name: "SURVEY" is also the name of the entry in `,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, tt.files)

			files, err := entrysync.Load(dir, entry.DefaultCatalog())

			require.Nil(t, files, "nothing is loaded while any file is wrong")
			require.ErrorContains(t, err, filepath.Join(dir, tt.wantErr))
			var fileErr *entrysync.FileError
			require.ErrorAs(t, err, &fileErr)
		})
	}
}

func TestLoadDuplicateIDNamesBothFiles(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("survey", "Survey"), "b.json": waitEntry("survey", "Other survey")})

	_, err := entrysync.Load(dir, entry.DefaultCatalog())

	require.EqualError(t, err, filepath.Join(dir, "b.json")+`: id: "survey" is also the id of the entry in `+filepath.Join(dir, "a.yaml"))
}

func TestLoadReportsEveryProblemOfEveryFile(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"a.yaml":  "name: A\ntriggers: []\nsteps: [{type: wait, duration: soon}]\n",
		"b.json":  `{"name": "B", "triggers": [{"type": "sentiment"}], "steps": [{"type": "wait", "duration": "1d"}]}`,
		"ok.yaml": surveyYAML,
	})

	_, err := entrysync.Load(dir, entry.DefaultCatalog())

	require.Error(t, err)
	var messages []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fileErr *entrysync.FileError
		require.True(t, errors.As(e, &fileErr))
		messages = append(messages, fileErr.Error())
	}
	require.Equal(t, []string{
		filepath.Join(dir, "a.yaml") + ": triggers: at least one trigger is required\n" +
			filepath.Join(dir, "a.yaml") + `: steps[0].duration: "soon" is not a duration (use e.g. 45s, 30m, 12h, 1d, 1w or 1d12h)`,
		filepath.Join(dir, "b.json") + `: triggers[0].type: "sentiment" is not a trigger type (use one of disposition, case_disposition, average_sentiment)`,
	}, messages)
}

func TestLoadRefusesAFolderWithoutEntries(t *testing.T) {
	dir := writeDir(t, map[string]string{"README.md": "entries go here"})

	_, err := entrysync.Load(dir, entry.DefaultCatalog())

	require.ErrorContains(t, err, "holds no entry files")
}

func TestLoadRefusesAMissingFolder(t *testing.T) {
	_, err := entrysync.Load(filepath.Join(t.TempDir(), "missing"), entry.DefaultCatalog())

	require.ErrorIs(t, err, os.ErrNotExist)
}
