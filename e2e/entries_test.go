//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

// exampleEntries is the folder `make dev` loads.
var exampleEntries = filepath.Join("..", "examples", "entries")

// buildCtl builds ccflowctl into binDir once, for the tests that run it.
var buildCtl = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "build", "-o", binDir+string(os.PathSeparator), "../cmd/ccflowctl").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building ccflowctl: %w\n%s", err, out)
	}
	return filepath.Join(binDir, "ccflowctl"), nil
})

// ctlResult is what one ccflowctl run printed and how it exited.
type ctlResult struct {
	stdout, stderr string
	code           int
}

// ctl runs ccflowctl with args against s, as a contact center's CI would:
// address and token from the environment.
func (s *system) ctl(args ...string) ctlResult {
	s.t.Helper()
	bin, err := buildCtl()
	require.NoError(s.t, err)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CCFLOW_URL="+s.baseURL, "CCFLOW_API_TOKEN="+apiToken)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := ctlResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		s.t.Fatalf("running ccflowctl %v: %v", args, err)
	}
	s.t.Logf("ccflowctl %s\n%s%s", strings.Join(args, " "), res.stdout, res.stderr)
	return res
}

// mustCtl is ctl for a run that must succeed; it returns the output.
func (s *system) mustCtl(args ...string) string {
	s.t.Helper()
	res := s.ctl(args...)
	require.Zero(s.t, res.code, "ccflowctl %v failed: %s", args, res.stderr)
	return res.stdout
}

// liveVersions maps each live entry's id to its version.
func (s *system) liveVersions() map[string]int {
	s.t.Helper()
	var list struct {
		Entries []entry.Entry `json:"entries"`
	}
	require.Equal(s.t, http.StatusOK, s.call(http.MethodGet, "/v1/entries", nil, &list))
	versions := map[string]int{}
	for _, e := range list.Entries {
		versions[e.ID] = e.Version
	}
	return versions
}

// copyDir copies the files of src into a new temporary folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	files, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, f.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, f.Name()), data, 0o644))
	}
	return dst
}

// editFile replaces old, which must be there, with new in the file at path.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data), old)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
}

var allExamplesV1 = map[string]int{
	"answer-provided": 1, "case-needs-information": 1, "post-call-survey": 1, "unhappy-caller": 1,
}

func TestApplyCreatesTheExampleEntries(t *testing.T) {
	s := startSystem(t)

	out := s.mustCtl("apply", exampleEntries)

	require.Contains(t, out, "plan: 4 to create, 0 to update, 0 to delete, 0 unchanged\n")
	for id := range allExamplesV1 {
		require.Contains(t, out, "created "+id+" (v1)\n")
	}
	require.Equal(t, allExamplesV1, s.liveVersions())
}

func TestApplyingTheSameFolderAgainChangesNothing(t *testing.T) {
	s := startSystem(t)
	s.mustCtl("apply", exampleEntries)

	out := s.mustCtl("apply", exampleEntries)

	require.Equal(t, "unchanged  answer-provided v1\nunchanged  case-needs-information v1\n"+
		"unchanged  post-call-survey v1\nunchanged  unhappy-caller v1\n"+
		"plan: 0 to create, 0 to update, 0 to delete, 4 unchanged\nnothing to do\n", out)
	require.Equal(t, allExamplesV1, s.liveVersions(), "no new versions")
}

func TestApplyUpdatesTheChangedEntryWithADiff(t *testing.T) {
	s := startSystem(t)
	dir := copyDir(t, exampleEntries)
	s.mustCtl("apply", dir)
	editFile(t, filepath.Join(dir, "post-call-survey.yaml"), "duration: 1w", "duration: 2w")

	out := s.mustCtl("apply", dir)

	require.Contains(t, out, "update     post-call-survey v1 ("+filepath.Join(dir, "post-call-survey.yaml")+")\n")
	require.Contains(t, out, "    -      \"duration\": \"1w\"\n    +      \"duration\": \"2w\"\n")
	require.Contains(t, out, "plan: 0 to create, 1 to update, 0 to delete, 3 unchanged\nupdated post-call-survey (v2)\n")
	versions := s.liveVersions()
	require.Equal(t, 2, versions["post-call-survey"])
	require.Equal(t, 1, versions["unhappy-caller"])
}

func TestExportedEntriesApplyUnchanged(t *testing.T) {
	s := startSystem(t)
	s.mustCtl("apply", exampleEntries)
	exported := filepath.Join(t.TempDir(), "exported")

	out := s.mustCtl("export", exported)
	again := s.mustCtl("apply", exported)

	require.Contains(t, out, "wrote "+filepath.Join(exported, "post-call-survey.yaml")+" (post-call-survey v1)\n")
	names, err := filepath.Glob(filepath.Join(exported, "*.yaml"))
	require.NoError(t, err)
	require.Len(t, names, 4)
	require.Contains(t, again, "plan: 0 to create, 0 to update, 0 to delete, 4 unchanged\nnothing to do\n")
	require.Equal(t, allExamplesV1, s.liveVersions())
}

func TestApplyPruneDeletesEntriesTheFolderLacks(t *testing.T) {
	s := startSystem(t)
	dir := copyDir(t, exampleEntries)
	s.mustCtl("apply", dir)
	require.NoError(t, os.Remove(filepath.Join(dir, "unhappy-caller.yaml")))

	kept := s.mustCtl("apply", dir)
	planned := s.mustCtl("apply", "--prune", "--dry-run", dir)
	require.Contains(t, s.liveVersions(), "unhappy-caller", "neither a plain apply nor a dry run deletes")
	pruned := s.mustCtl("apply", "--prune", dir)

	require.Contains(t, kept, "kept       unhappy-caller (live, not in "+dir+"; pruning would delete them)\n")
	require.Contains(t, planned, "delete     unhappy-caller v1 (not in "+dir+")\n")
	require.Contains(t, pruned, "deleted unhappy-caller\n")
	require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/v1/entries/unhappy-caller", nil, nil))
}

func TestApplyWithAnInvalidFileAppliesNothing(t *testing.T) {
	s := startSystem(t)
	dir := copyDir(t, exampleEntries)
	editFile(t, filepath.Join(dir, "post-call-survey.yaml"), "duration: 1d", "duration: 3 dayz")

	res := s.ctl("apply", dir)

	require.Equal(t, 1, res.code)
	require.Equal(t, "ccflowctl: "+filepath.Join(dir, "post-call-survey.yaml")+
		`: steps[1].duration: "3 dayz" is not a duration (use e.g. 45s, 30m, 12h, 1d, 1w or 1d12h)`+"\n", res.stderr)
	require.Empty(t, res.stdout)
	require.Empty(t, s.liveVersions(), "not even the valid files are applied")
}

func TestLocalValidationSaysWhatTheAPISays(t *testing.T) {
	s := startSystem(t)
	client := apiclient.New(s.baseURL, apiToken, nil)
	bad := entry.Entry{Name: "Bad", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Solved"}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "3 dayz"}}}}
	entry.Normalize(&bad)
	catalog, err := client.Catalog(context.Background())
	require.NoError(t, err)
	local := entry.Validate(bad, catalog)

	_, err = client.CreateEntry(context.Background(), bad)

	var apiErr *apiclient.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusBadRequest, apiErr.Status)
	require.Equal(t, "triggers[0].disposition", apiErr.Field)
	require.Equal(t, local, apiErr.Fields(), "both report the same problems in the same words")
	var fields validation.Errors
	require.ErrorAs(t, local, &fields)
	require.Len(t, fields, 2)
}

// uniqueEvent copies the example event file name with a fresh interaction
// id, since the Temporal server outlives test runs and may know the
// example's own id.
func uniqueEvent(t *testing.T, name string) (path, interaction string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "events", name))
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(data, &ev))
	interaction = interactionID(ev["interaction_id"].(string))
	ev["interaction_id"] = interaction
	data, err = json.Marshal(ev)
	require.NoError(t, err)
	path = filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path, interaction
}

func TestMatchNamesTheEntriesAnEventWouldStartAndStartsNothing(t *testing.T) {
	s := startSystem(t)
	s.mustCtl("apply", exampleEntries)
	tests := []struct {
		event string
		want  map[string]string // entry id → trigger
	}{
		{"interaction-ended.json", map[string]string{
			"case-needs-information": `case_disposition = "Need more information"`,
			"post-call-survey":       `disposition = "Problem solved"`,
		}},
		{"disposition.json", map[string]string{"post-call-survey": `disposition = "Problem solved"`}},
		{"case-disposition.json", map[string]string{"case-needs-information": `case_disposition = "Need more information"`}},
		{"average-sentiment.json", map[string]string{"unhappy-caller": "average_sentiment < -0.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			path, interaction := uniqueEvent(t, tt.event)

			out := s.mustCtl("match", path)

			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 1+len(tt.want))
			require.Contains(t, lines[0], "interaction "+interaction+": ")
			for id, trigger := range tt.want {
				workflowID := id + "/" + interaction
				require.Regexp(t, fmt.Sprintf(`(?m)^  %s v1 +%s +workflow %s +would start$`, id, regexp.QuoteMeta(trigger), workflowID), out)
				require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/v1/workflows/"+urlEscape(workflowID), nil, nil),
					"a dry run starts nothing")
			}
		})
	}
}

func TestMatchReadsTheEventFromStdin(t *testing.T) {
	s := startSystem(t)
	s.mustCtl("apply", exampleEntries)
	bin, err := buildCtl()
	require.NoError(t, err)
	tests := []struct {
		name, event         string
		wantCode            int
		wantStdout, wantErr string
	}{
		{
			name:       "an event no entry matches",
			event:      `{"interaction_id": "INT-9", "service": "Sales", "disposition": "Spam"}`,
			wantStdout: "interaction INT-9: no entry matches\n",
		},
		{
			name:     "an invalid event",
			event:    `{"interaction_id": "INT-9", "disposition": "Spam"}`,
			wantCode: 1,
			wantErr:  "ccflowctl: -: matching an event (dry run): POST /v1/interactions/ended?dry_run=true: service: is required (400 invalid_field)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Flags instead of the environment this time.
			cmd := exec.Command(bin, "match", "--url", s.baseURL, "--token", apiToken, "-")
			cmd.Stdin = strings.NewReader(tt.event)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr

			err := cmd.Run()

			require.Equal(t, tt.wantCode, cmd.ProcessState.ExitCode(), "error %v", err)
			require.Equal(t, tt.wantStdout, stdout.String())
			require.Equal(t, tt.wantErr, stderr.String())
		})
	}
}
