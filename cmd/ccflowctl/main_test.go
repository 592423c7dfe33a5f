package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/stretchr/testify/require"
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
