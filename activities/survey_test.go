//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/workflows"
)

func surveyInput() workflows.OpenSurveyInput {
	return workflows.OpenSurveyInput{
		WorkflowID:    "post-call/INT-1",
		RunID:         "run-1",
		StepID:        "survey",
		EntryID:       "post-call",
		InteractionID: "INT-1",
		Channel:       "email",
		Question:      "How did we do?",
		WaitUntil:     time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC),
	}
}

func TestOpenSurveyReturnsASignedLinkToTheRecordedSurvey(t *testing.T) {
	acts := newActivities(t)

	sv, err := execute(t, acts, acts.OpenSurvey, surveyInput())
	require.NoError(t, err)

	require.Equal(t, "post-call/INT-1/survey", sv.ID)
	token, ok := strings.CutPrefix(sv.URL, "https://surveys.example.com/s/")
	require.True(t, ok, "link %q is under PublicURL/s/", sv.URL)
	tokenID, err := acts.Signer.Verify(token)
	require.NoError(t, err)
	stored, err := acts.Store.SurveyByToken(context.Background(), tokenID)
	require.NoError(t, err)
	require.Equal(t, sv.ID, stored.ID)
	require.Equal(t, "How did we do?", stored.Question)
	require.Equal(t, "run-1", stored.RunID)
}

func TestOpenSurveyTwiceReturnsTheSameSurveyAndLink(t *testing.T) {
	acts := newActivities(t)
	first, err := execute(t, acts, acts.OpenSurvey, surveyInput())
	require.NoError(t, err)

	again, err := execute(t, acts, acts.OpenSurvey, surveyInput())
	require.NoError(t, err)

	require.Equal(t, first, again)
}

func TestOpenSurveyLinkExpiresTheTTLAfterTheWaitEnds(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{name: "configured", ttl: 48 * time.Hour, want: 48 * time.Hour},
		{name: "default", ttl: 0, want: config.DefaultSurveyTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts := newActivities(t)
			acts.SurveyTTL = tt.ttl
			in := surveyInput()

			sv, err := execute(t, acts, acts.OpenSurvey, in)
			require.NoError(t, err)

			list, err := acts.Store.SurveysForWorkflow(context.Background(), in.WorkflowID)
			require.NoError(t, err)
			require.Len(t, list, 1)
			require.Equal(t, sv.ID, list[0].ID)
			require.True(t, in.WaitUntil.Add(tt.want).Equal(list[0].ExpiresAt), "expires at %s", list[0].ExpiresAt)
		})
	}
}

func TestOpenSurveyWithoutAStepIDIsNonRetryable(t *testing.T) {
	acts := newActivities(t)
	in := surveyInput()
	in.StepID = ""

	_, err := execute(t, acts, acts.OpenSurvey, in)

	_ = requireNonRetryable(t, err, workflows.ErrTypeInvalidInput)
}

// replyInput opens survey stepID of run wf for SMS replies from to.
func replyInput(wf, stepID, to string) workflows.OpenSurveyInput {
	in := surveyInput()
	in.WorkflowID, in.StepID, in.Channel, in.Scale = wf, stepID, "sms", "0-10"
	in.Reply = &workflows.ReplyClaim{To: to, Wait: 24 * time.Hour}
	return in
}

// A survey answered by reply takes the replies of its number, however it
// is written, unless another survey of the number does: then it goes as
// a link, saying why without naming the other (maybe another customer's).
func TestOpenSurveyOpensOneSurveyANumberForReplies(t *testing.T) {
	acts := newActivities(t)
	ctx := context.Background()

	first, err := execute(t, acts, acts.OpenSurvey, replyInput("post-call/INT-1", "survey", "+1 (555) 123-4567"))
	require.NoError(t, err)
	require.True(t, first.ByReply)
	require.Empty(t, first.Reason)
	again, err := execute(t, acts, acts.OpenSurvey, replyInput("post-call/INT-1", "survey", "+1 (555) 123-4567"))
	require.NoError(t, err)
	require.Equal(t, first, again, "a retry gets the same answer")

	second, err := execute(t, acts, acts.OpenSurvey, replyInput("post-call/INT-2", "survey", "+15551234567"))
	require.NoError(t, err)
	require.False(t, second.ByReply)
	require.Equal(t, "another survey waits for a reply from this number", second.Reason)
	require.NotContains(t, second.Reason, "INT-1")

	other, err := execute(t, acts, acts.OpenSurvey, replyInput("post-call/INT-3", "survey", "+15557654321"))
	require.NoError(t, err)
	require.True(t, other.ByReply, "another number")

	rs, err := acts.Store.ReplySurveyFor(ctx, linkkeys.ForProcess().Addresses.Forms("+15551234567"))
	require.NoError(t, err)
	require.Equal(t, first.ID, rs.ID)
	require.Equal(t, "0-10", rs.Scale)
	require.True(t, rs.Open)

	bad, err := execute(t, acts, acts.OpenSurvey, replyInput("post-call/INT-4", "survey", "not a phone"))
	require.NoError(t, err, "the send fails on it in its turn")
	require.False(t, bad.ByReply)
	require.Equal(t, "the SMS goes to no phone number a reply could come from", bad.Reason)
}
