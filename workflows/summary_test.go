package workflows_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/workflows"
)

// minimalInput has only what an event must carry.
func minimalInput() workflows.FollowUpInput {
	return workflows.FollowUpInput{
		Entry: entry.Entry{ID: "post-call-survey", Name: "Post-call survey", Version: 1},
		Event: interaction.Event{InteractionID: "INT-2002", Service: "Sales"},
	}
}

func TestSearchAttributes(t *testing.T) {
	tests := []struct {
		name string
		in   workflows.FollowUpInput
		want temporal.SearchAttributes
	}{
		{"full event", input(), temporal.NewSearchAttributes(
			workflows.EntryIDAttr.ValueSet("post-call-survey"),
			workflows.ServiceAttr.ValueSet("Billing Support"),
			workflows.InteractionIDAttr.ValueSet("INT-1001"),
			workflows.CustomerIDAttr.ValueSet("C-77"),
			workflows.DispositionAttr.ValueSet("Problem solved"),
			workflows.AverageSentimentAttr.ValueSet(0.62),
		)},
		{"minimal event", minimalInput(), temporal.NewSearchAttributes(
			workflows.EntryIDAttr.ValueSet("post-call-survey"),
			workflows.ServiceAttr.ValueSet("Sales"),
			workflows.InteractionIDAttr.ValueSet("INT-2002"),
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := temporal.NewSearchAttributes(workflows.SearchAttributes(tt.in)...)
			require.Equal(t, tt.want.GetUntypedValues(), got.GetUntypedValues())
		})
	}
}

func TestStaticSummary(t *testing.T) {
	require.Equal(t, "Post-call survey · INT-1001 · Problem solved", workflows.StaticSummary(input()))
	require.Equal(t, "Post-call survey · INT-2002", workflows.StaticSummary(minimalInput()))
}

// Temporal documents 200 bytes as a static summary's limit, and an entry's
// name alone may take 200 characters (800 bytes): the summary is cut, on a
// character's boundary, with "…".
func TestStaticSummaryFitsTemporalsLimit(t *testing.T) {
	in := input()
	in.Entry.Name = strings.Repeat("é", 200)

	got := workflows.StaticSummary(in)

	require.LessOrEqual(t, len(got), workflows.MaxSummaryBytes)
	require.True(t, utf8.ValidString(got))
	require.True(t, strings.HasSuffix(got, "…"))
	require.True(t, strings.HasPrefix(got, "éé"))
}

func TestStaticDetails(t *testing.T) {
	tests := []struct {
		name string
		in   workflows.FollowUpInput
		want string
	}{
		{"full event", input(), "**Post-call survey** (entry `post-call-survey`, version 3)\n\n" +
			"- Interaction: INT-1001\n" +
			"- Service: Billing Support\n" +
			"- Channel: voice\n" +
			"- Disposition: Problem solved\n" +
			"- Case disposition: Need more information\n" +
			"- Average sentiment: 62%\n" +
			"- Trigger: disposition"},
		{"minimal event", minimalInput(), "**Post-call survey** (entry `post-call-survey`, version 1)\n\n" +
			"- Interaction: INT-2002\n" +
			"- Service: Sales"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, workflows.StaticDetails(tt.in))
		})
	}
}
