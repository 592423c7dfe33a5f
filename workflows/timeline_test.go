package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/workflows"
)

// timeline queries the run's timeline; the run may have ended.
func (h *harness) timeline() workflows.Timeline {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(workflows.TimelineQuery)
	require.NoError(h.t, err)
	var tl workflows.Timeline
	require.NoError(h.t, v.Get(&tl))
	return tl
}

// stepsOf decodes steps as an entry's JSON writes them.
func stepsOf(t *testing.T, steps string) []entry.Step {
	t.Helper()
	e, err := entry.Decode([]byte(`{"name": "x", "steps": ` + steps + `}`))
	require.NoError(t, err)
	return e.Steps
}

// entryLine is a timeline entry without what varies with the clock: its
// time as an offset from the run's start.
type entryLine struct {
	After  time.Duration
	StepID string
	Kind   string
	Reason string
}

func lines(tl workflows.Timeline) []entryLine {
	out := make([]entryLine, len(tl.Entries))
	for i, e := range tl.Entries {
		out[i] = entryLine{After: e.At.Sub(start), StepID: e.StepID, Kind: e.Kind, Reason: e.Reason}
	}
	return out
}

func TestTimelineTellsTheSurveyAnsweredLowAndTheApology(t *testing.T) {
	h := newHarness(t)
	h.at(3*time.Hour, func() {
		h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 2, Comment: "slow"})
	})

	h.complete(input(surveyStep(), apologyIfUnhappy()))

	tl := h.timeline()
	require.Equal(t, []entryLine{
		{0, "survey", workflows.TimelineSent, ""},
		{0, "survey", workflows.TimelineWaited, "up to 7d for the survey's answer"},
		{3 * time.Hour, "survey", workflows.TimelineEvent, "survey answered: 2"},
		{3 * time.Hour, "check", workflows.TimelineBranch, "then (survey.score <= 2 holds)"},
		{3 * time.Hour, "apology", workflows.TimelineSent, ""},
	}, lines(tl))
	require.True(t, tl.Entries[0].Survey, "the survey's message says so")
	require.Equal(t, "email", tl.Entries[4].Channel)
	require.Equal(t, "ada@example.com", tl.Entries[4].To)
	require.Equal(t, &workflows.TimelineEnd{At: start.Add(3 * time.Hour), Status: workflows.StatusCompleted}, tl.Ended)
}

func TestTimelineTellsHoldsSkipsWaitsAndTheUnansweredSurvey(t *testing.T) {
	h := newHarness(t)
	until := start.Add(10 * time.Hour)
	h.outcomes["reminder"] = workflows.Delivery{Status: workflows.SendSkipped, Code: policy.CodeOptedOut, Reason: "opted out"}
	h.outcomes["text"] = workflows.Delivery{Status: workflows.SendHeld, Until: until, Wait: 10 * time.Hour,
		Code: policy.CodeQuietHours, Reason: "quiet hours until 2026-11-23 15:15 America/New_York"}
	// The window opens while the send is held: sent when it is tried again.
	h.at(time.Hour, func() { delete(h.outcomes, "text") })

	steps := stepsOf(t, `[{"id": "text", "type": "send_sms", "text": "Hello"}, {"id": "pause", "type": "wait", "duration": "1d"}]`)
	steps = append(steps, surveyStep())
	steps = append(steps, stepsOf(t, `[{"id": "reminder", "type": "send_email", "subject": "Reminder", "text": "Still there?"}]`)...)
	h.complete(input(steps...))

	require.Equal(t, []entryLine{
		{0, "text", workflows.TimelineHeld, "quiet hours until 2026-11-23 15:15 America/New_York"},
		{10 * time.Hour, "text", workflows.TimelineSent, ""},
		{10 * time.Hour, "pause", workflows.TimelineWaited, "1d"},
		{34 * time.Hour, "survey", workflows.TimelineSent, ""},
		{34 * time.Hour, "survey", workflows.TimelineWaited, "up to 7d for the survey's answer"},
		{34*time.Hour + 7*24*time.Hour, "survey", workflows.TimelineEvent, "survey not answered within 7d"},
		{34*time.Hour + 7*24*time.Hour, "reminder", workflows.TimelineSkipped, "opted out"},
	}, lines(h.timeline()))
	require.Equal(t, policy.CodeQuietHours, h.timeline().Entries[0].Code)
}

func TestTimelineTellsTheStepThatFailedAndHowTheRunEnded(t *testing.T) {
	h := newHarness(t)

	err := h.run(input(stepsOf(t, `[{"id": "oops", "type": "send_sms", "text": "Order $(order_number)"}]`)...))

	require.Error(t, err)
	tl := h.timeline()
	require.Len(t, tl.Entries, 1)
	require.Equal(t, workflows.TimelineError, tl.Entries[0].Kind)
	require.Equal(t, "oops", tl.Entries[0].StepID)
	require.Contains(t, tl.Entries[0].Reason, "order_number")
	require.Equal(t, workflows.StatusFailed, tl.Ended.Status)
	require.Contains(t, tl.Ended.Reason, `step "oops" (send_sms) failed`)
}
