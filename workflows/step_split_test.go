package workflows_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/entry"
)

// The run takes the branch entry.ChooseBranch (and so entry.Variant) gives
// its workflow ID, runs its steps alone and says so in split.<id>.
func TestSplitRunsTheBranchItsWorkflowIDChooses(t *testing.T) {
	split := &entry.Split{Branches: []entry.Branch{
		{ID: "short", Weight: 50, Steps: []entry.Step{{ID: "short-sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us 1-5")}}}},
		{ID: "long", Weight: 50, Steps: []entry.Step{{ID: "long-email", Spec: &entry.SendEmail{Subject: entry.Plain("Tell us"), Text: entry.Plain("More?")}}}},
	}}
	// Two workflow IDs that take different branches.
	ids := map[int]string{}
	for i := 0; len(ids) < 2; i++ {
		id := fmt.Sprintf("post-call-survey/INT-%d", i)
		ids[entry.ChooseBranch(split, "length", id)] = id
	}
	for branch, id := range ids {
		t.Run(split.Branches[branch].ID, func(t *testing.T) {
			h := newHarness(t)
			h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
			in := input(entry.Step{ID: "length", Spec: split}, entry.Step{ID: "after", Spec: &entry.SetVariable{Name: "after", Value: "yes"}})

			st := h.complete(in)

			require.Equal(t, split.Branches[branch].ID, st.Variables["split.length"])
			require.Equal(t, split.Branches[branch].ID, entry.Variant(in.Entry, id), "the run's branch is its variant")
			require.Equal(t, "yes", st.Variables["after"], "the steps after the split run")
			if branch == 0 {
				require.Len(t, h.sms, 1)
				require.Empty(t, h.emails)
			} else {
				require.Empty(t, h.sms)
				require.Len(t, h.emails, 1)
				require.Equal(t, id+"/long-email", h.emails[0].Key)
			}
		})
	}
}

// A branch without steps runs nothing: a control group.
func TestSplitBranchWithoutStepsRunsNothing(t *testing.T) {
	h := newHarness(t)
	split := &entry.Split{Branches: []entry.Branch{{ID: "control", Weight: 99}, {ID: "treated", Weight: 1,
		Steps: []entry.Step{{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain("x")}}}}}}
	require.Zero(t, entry.ChooseBranch(split, "ab", workflowID), "the harness's workflow ID takes the 99% branch")

	st := h.complete(input(entry.Step{ID: "ab", Spec: split}))

	require.Equal(t, "control", st.Variables["split.ab"])
	require.Empty(t, h.sms)
}
