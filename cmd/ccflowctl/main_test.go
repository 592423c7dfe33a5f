package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
)

func TestRunRejectsWrongCommandLines(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"sync", "entries"},
		{"apply"},
		{"apply", "a", "b"},
		{"export", "--prune", "entries"},
		{"match", "--url"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			err := run(context.Background(), args, strings.NewReader(""), &strings.Builder{})

			require.ErrorIs(t, err, errUsage)
		})
	}
}

func TestPrintMatches(t *testing.T) {
	tests := []struct {
		name string
		res  interaction.Result
		want string
	}{
		{
			name: "no match",
			res:  interaction.Result{InteractionID: "INT-1"},
			want: "interaction INT-1: no entry matches\n",
		},
		{
			name: "one match that would start",
			res: interaction.Result{InteractionID: "INT-1", Matches: []interaction.MatchResult{
				{EntryID: "post-call-survey", EntryVersion: 2, Trigger: `disposition = "Problem solved"`,
					WorkflowID: "post-call-survey/INT-1", Status: interaction.StatusWouldStart},
			}},
			want: "interaction INT-1: 1 entry matches\n" +
				"  post-call-survey v2  disposition = \"Problem solved\"  workflow post-call-survey/INT-1  would start\n",
		},
		{
			name: "matches aligned in columns",
			res: interaction.Result{InteractionID: "INT-1", Matches: []interaction.MatchResult{
				{EntryID: "a", EntryVersion: 1, Trigger: `disposition = "Spam"`, WorkflowID: "a/INT-1", Status: interaction.StatusAlreadyStarted},
				{EntryID: "unhappy-caller", EntryVersion: 12, Trigger: "average_sentiment < -0.3", WorkflowID: "unhappy-caller/INT-1", Status: interaction.StatusWouldStart},
			}},
			want: "interaction INT-1: 2 entries match\n" +
				"  a v1                disposition = \"Spam\"      workflow a/INT-1               already started\n" +
				"  unhappy-caller v12  average_sentiment < -0.3  workflow unhappy-caller/INT-1  would start\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder

			printMatches(&out, tt.res)

			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestValidateChecksFilesWithoutAServer(t *testing.T) {
	good := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(good, "a.yaml"),
		[]byte("name: A\ntriggers: [{type: disposition, disposition: Spam}]\nsteps: [{type: wait, duration: 1d}]\n"), 0o644))
	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "b.yaml"),
		[]byte("name: B\ntriggers: [{type: disposition, disposition: Callback}]\nsteps: [{type: wait, duration: 3 dayz}]\n"), 0o644))
	catalog := filepath.Join(t.TempDir(), "catalog.json")
	require.NoError(t, os.WriteFile(catalog, []byte(`{"interaction": ["Callback"], "case": []}`), 0o644))
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{name: "valid files", args: []string{"validate", good}, wantOut: "ok  " + filepath.Join(good, "a.yaml") + " (a)\n"},
		{name: "every problem named", args: []string{"validate", bad}, wantErr: filepath.Join(bad, "b.yaml") +
			`: triggers[0].disposition: "Callback" is not in the disposition catalog`},
		{name: "a catalog of the contact center's own", args: []string{"validate", "--catalog", catalog, bad},
			wantErr: filepath.Join(bad, "b.yaml") + `: steps[0].duration: "3 dayz" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder

			err := run(context.Background(), tt.args, strings.NewReader(""), &out)

			if tt.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, tt.wantOut, out.String())
			} else {
				require.ErrorContains(t, err, tt.wantErr)
				require.NotErrorIs(t, err, errUsage, "a wrong file is not a wrong command line")
			}
		})
	}
}

func TestMatchAnswersJSONWithFlagsAnywhere(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "Bearer secret", r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, `{"interaction_id": "INT-1", "matches": [{"entry_id": "a", "entry_version": 2,
			"trigger": "disposition = \"Spam\"", "workflow_id": "a/INT-1", "status": "would_start"}]}`)
	}))
	t.Cleanup(srv.Close)
	var out strings.Builder

	err := run(context.Background(), []string{"match", "-", "--output", "json", "--url", srv.URL, "--token", "secret"},
		strings.NewReader(`{"interaction_id": "INT-1", "service": "S"}`), &out)

	require.NoError(t, err)
	require.JSONEq(t, `{"interaction_id": "INT-1", "matches": [{"entry_id": "a", "entry_version": 2,
		"trigger": "disposition = \"Spam\"", "workflow_id": "a/INT-1", "status": "would_start"}]}`, out.String())
}

func TestVersionAndHelp(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"--version"}, strings.NewReader(""), &out))
	require.True(t, strings.HasPrefix(out.String(), "ccflowctl "), out.String())

	for _, command := range []string{"apply", "export", "validate", "match", "load"} {
		out.Reset()
		require.NoError(t, run(context.Background(), []string{command, "--help"}, strings.NewReader(""), &out))
		require.Contains(t, out.String(), "ccflowctl "+command, "help for %s", command)
	}
}
