package workflows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/workflows"
)

const surveyID = workflowID + "/survey"

// surveyStep is SPEC's post-call survey by email, answered within a week;
// a new one each time, so that a test may change it.
func surveyStep() entry.Step {
	return entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "email",
		Question: entry.Plain("How did we do, $(customer.first_name)?"),
		Subject:  entry.Plain("How did we do?"),
		Text:     entry.Plain("Tell us: $(survey.url)"),
		HTML:     entry.Plain(`<a href="$(survey.url)">Tell us</a>`),
		Wait:     "1w"}}
}

// apologyIfUnhappy sends an apology when the survey score is low; a new
// one each time.
func apologyIfUnhappy() entry.Step {
	return entry.Step{ID: "check", Spec: &entry.If{Condition: "survey.score <= 2",
		Then: []entry.Step{{ID: "apology", Spec: &entry.SendEmail{Subject: entry.Plain("We are sorry, $(customer.first_name)"), Text: entry.Plain(`You told us: "$(survey.comment)"`)}}}}}
}

func TestSurveyAnsweredByUpdateDecidesTheApology(t *testing.T) {
	tests := []struct {
		score    int
		subjects []string
	}{
		{score: 1, subjects: []string{"How did we do?", "We are sorry, Ada"}},
		{score: 2, subjects: []string{"How did we do?", "We are sorry, Ada"}},
		{score: 4, subjects: []string{"How did we do?"}},
	}
	for _, tt := range tests {
		t.Run(strings.Repeat("★", tt.score), func(t *testing.T) {
			h := newHarness(t)
			var answer *updateResult
			h.at(10*time.Minute, func() {
				answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: tt.score, Comment: "took long"})
			})

			st := h.complete(input(surveyStep(), apologyIfUnhappy()))

			require.True(t, answer.accepted)
			var subjects []string
			for _, m := range h.emails {
				subjects = append(subjects, m.Subject)
			}
			require.Equal(t, tt.subjects, subjects)
			require.True(t, strings.HasPrefix(h.emails[0].Text, "Tell us: https://ccflow.example/s/survey\n\nAnswer with one click:\n"), h.emails[0].Text)
			require.Equal(t, "ada@example.com", h.emails[0].To)
			require.Equal(t, true, st.Variables["survey.answered"])
			require.EqualValues(t, tt.score, st.Variables["survey.score"])
			require.Equal(t, "took long", st.Variables["survey.comment"])
			require.Equal(t, surveyID, st.Variables["survey.id"])
			require.Equal(t, "https://ccflow.example/s/survey", st.Variables["survey.url"])
		})
	}
}

func TestSurveyIsOpenedWithTheRunAndTheDeadline(t *testing.T) {
	h := newHarness(t)

	h.complete(input(surveyStep()))

	require.Len(t, h.surveys, 1)
	got := h.surveys[0]
	require.Equal(t, workflowID, got.WorkflowID)
	require.NotEmpty(t, got.RunID)
	require.Equal(t, "survey", got.StepID)
	require.Equal(t, "post-call-survey", got.EntryID)
	require.Equal(t, "INT-1001", got.InteractionID)
	require.Equal(t, "email", got.Channel)
	require.Equal(t, "How did we do, Ada?", got.Question)
	require.Equal(t, start.Add(durations.Week), got.WaitUntil.UTC())
}

func TestSurveyBySMSSendsTheLinkToThePhone(t *testing.T) {
	h := newHarness(t)
	step := surveyStep()
	step.Spec.(*entry.SendSurvey).Channel = "sms"

	h.complete(input(step))

	require.Empty(t, h.emails)
	require.Len(t, h.sms, 1)
	require.Equal(t, "+15551234567", h.sms[0].To)
	require.Equal(t, "Tell us: https://ccflow.example/s/survey", h.sms[0].Text)
}

func TestSurveyWaitTimesOutAndTheRunGoesOn(t *testing.T) {
	h := newHarness(t)
	// survey.score is not defined without an answer, so the condition
	// checks survey.answered first.
	apology := apologyIfUnhappy()
	apology.Spec.(*entry.If).Condition = "survey.answered && survey.score <= 2"
	reminder := entry.Step{ID: "missed-you", Spec: &entry.SendSMS{Text: entry.Plain("We missed your answer, $(customer.first_name).")}}

	st := h.complete(input(surveyStep(), apology, reminder))

	require.Equal(t, false, st.Variables["survey.answered"])
	require.NotContains(t, st.Variables, "survey.score")
	require.Len(t, h.emails, 1, "only the survey email: no score, no apology")
	require.Len(t, h.sms, 1)
	require.Equal(t, start.Add(durations.Week), st.Messages[1].SentAt.UTC())
}

func TestSurveyWaitShowsInCurrentDetails(t *testing.T) {
	h := newHarness(t)
	var during workflows.State
	h.at(time.Hour, func() { during = h.state() })

	h.complete(input(surveyStep()))

	require.Equal(t, "survey", during.CurrentStep)
	require.Equal(t, "waiting for the survey answer from step survey until 2026-11-30 10:15 UTC", during.Details)
}

func TestSurveyAnswerValidator(t *testing.T) {
	tests := []struct {
		name    string
		answer  workflows.SurveyAnswer
		errType string
		message string
	}{
		{"another survey", workflows.SurveyAnswer{SurveyID: workflowID + "/other", Score: 3},
			workflows.ErrSurveyNotPending, `survey_id: the run is not waiting for an answer to survey "post-call-survey/INT-1001/other"`},
		{"score 0", workflows.SurveyAnswer{SurveyID: surveyID, Score: 0},
			workflows.ErrInvalidSurveyAnswer, "score: 0 is not a whole number from 1 to 5"},
		{"score 6", workflows.SurveyAnswer{SurveyID: surveyID, Score: 6},
			workflows.ErrInvalidSurveyAnswer, "score: 6 is not a whole number from 1 to 5"},
		{"comment too long", workflows.SurveyAnswer{SurveyID: surveyID, Score: 3, Comment: strings.Repeat("é", 2001)},
			workflows.ErrInvalidSurveyAnswer, "comment: 2001 characters is longer than the 2000 allowed"},
		{"comment with a NUL", workflows.SurveyAnswer{SurveyID: surveyID, Score: 3, Comment: "fine\x00"},
			workflows.ErrInvalidSurveyAnswer, "comment: holds a control character (U+0000) at character 5: only line breaks and tabs may be written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var answer *updateResult
			h.at(time.Minute, func() { answer = h.answer(tt.answer) })

			st := h.complete(input(surveyStep()))

			require.False(t, answer.accepted)
			requireApplicationError(t, answer.rejection, tt.errType, tt.message)
			require.Equal(t, false, st.Variables["survey.answered"], "a rejected answer does not count")
		})
	}
}

// The starter checks an answer before it hands it over; JSON on its way to
// the run would turn bytes that are not UTF-8 into U+FFFD, the store
// refuses them.
func TestSurveyAnswerCheckRefusesACommentThatIsNotUTF8(t *testing.T) {
	err := workflows.SurveyAnswer{SurveyID: surveyID, Score: 3, Comment: "fine \xff"}.Check(scale.CSAT)

	require.EqualError(t, err, "comment: is not valid UTF-8 text")
}

func TestSurveyAnswerValidatorAcceptsACommentOfSeveralLinesInAnyScript(t *testing.T) {
	h := newHarness(t)
	comment := "Très bien.\r\n\tمرحبا \u200f\U0001F44D"
	var answer *updateResult
	h.at(time.Minute, func() { answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 5, Comment: comment}) })

	st := h.complete(input(surveyStep()))

	require.True(t, answer.accepted)
	require.Equal(t, comment, st.Variables["survey.comment"])
}

func TestSurveyAnswerValidatorAcceptsALongestComment(t *testing.T) {
	h := newHarness(t)
	comment := strings.Repeat("é", workflows.MaxCommentLength)
	var answer *updateResult
	h.at(time.Minute, func() { answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 5, Comment: comment}) })

	st := h.complete(input(surveyStep()))

	require.True(t, answer.accepted)
	require.Equal(t, comment, st.Variables["survey.comment"])
}

func TestSurveyAnswerIsRejectedWhenNoSurveyIsPending(t *testing.T) {
	tests := []struct {
		name  string
		steps []entry.Step
		after time.Duration
	}{
		{"no survey step", []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}, time.Hour},
		{"survey wait ended", []entry.Step{surveyStep(), {ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}, durations.Week + time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var answer *updateResult
			h.at(tt.after, func() { answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 5}) })

			h.complete(input(tt.steps...))

			require.False(t, answer.accepted)
			requireApplicationError(t, answer.rejection, workflows.ErrSurveyNotPending,
				`survey_id: the run is not waiting for an answer to survey "post-call-survey/INT-1001/survey"`)
		})
	}
}

func TestSurveyAnswerIsRejectedOnceAnswered(t *testing.T) {
	h := newHarness(t)
	ans := workflows.SurveyAnswer{SurveyID: surveyID, Score: 5}
	var first, second *updateResult
	// However soon the second answer comes, the first one stands.
	h.at(time.Minute, func() {
		first = h.answer(ans)
		second = h.answer(ans)
	})

	h.complete(input(surveyStep(), entry.Step{Spec: &entry.Wait{Duration: "1h"}}))

	require.True(t, first.accepted)
	require.False(t, second.accepted)
	requireApplicationError(t, second.rejection, workflows.ErrSurveyNotPending, "survey_id:")
}

// requireApplicationError requires err to be an application error of
// errType whose message starts with message.
func requireApplicationError(t *testing.T, err error, errType, message string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an application error, got %v", err)
	require.Equal(t, errType, appErr.Type())
	require.True(t, strings.HasPrefix(appErr.Message(), message), "message %q does not start with %q", appErr.Message(), message)
}

// A customer can answer the link while its send is still being retried
// (the provider took the message, then the worker crashed or the store
// was down): the run takes the answer and its caller is told so. When
// the send reports back only after the survey's wait has ended, the run
// must still count that answer, or it and the store disagree.
func TestSurveyAnsweredWhileItsSendIsRetriedCounts(t *testing.T) {
	tests := []struct {
		name     string
		failures int // retryable failures of the survey's send: 1+2+4+… s of backoff
		// before runs the change as a run started before it did.
		before       bool
		wantAnswered bool
	}{
		{name: "the send reports back before the wait ends", failures: 4, wantAnswered: true},
		{name: "the send reports back after the wait ended", failures: 6, wantAnswered: true},
		{name: "a run started before the change keeps its old answer", failures: 6, before: true, wantAnswered: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.before {
				// A run from before the change is from before lean-commands too,
				// and asks for each change.
				h.env.OnGetVersion("lean-commands", workflow.DefaultVersion, workflows.LeanVersion).Return(workflow.DefaultVersion)
				h.env.OnGetVersion("survey-answered-during-send", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			survey := surveyStep()
			survey.Spec.(*entry.SendSurvey).Wait = "1m"
			for range tt.failures {
				h.failures["survey"] = append(h.failures["survey"], errors.New("the store is unreachable"))
			}
			var answer *updateResult
			h.at(10*time.Second, func() {
				answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 1, Comment: "slow"})
			})

			st := h.complete(input(survey, apologyIfUnhappy()))

			require.True(t, answer.accepted, "the run took the answer: its caller records it as delivered")
			require.Equal(t, tt.failures+1, h.attempts["survey"])
			require.Equal(t, tt.wantAnswered, st.Variables["survey.answered"])
			if tt.wantAnswered {
				require.EqualValues(t, 1, st.Variables["survey.score"])
				require.Len(t, h.emails, 2, "the survey and the apology for its score")
			}
		})
	}
}

// npsStep is surveyStep on the 0-10 scale.
func npsStep() entry.Step {
	st := surveyStep()
	st.Spec.(*entry.SendSurvey).Scale = "0-10"
	return st
}

// TestZeroToTenSurveyTakesAZero: on 0-10 a 0 is an answer (a detractor),
// survey.scale says the scale, and the survey is opened with it and the
// entry's version.
func TestZeroToTenSurveyTakesAZero(t *testing.T) {
	h := newHarness(t)
	var answer *updateResult
	h.at(time.Minute, func() { answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 0}) })

	st := h.complete(input(npsStep(), entry.Step{ID: "detractor", Spec: &entry.If{Condition: `survey.scale == "0-10" && survey.score <= 6`,
		Then: []entry.Step{{ID: "call-back", Spec: &entry.SendSMS{Text: entry.Plain("We will call you back.")}}}}}))

	require.True(t, answer.accepted)
	require.EqualValues(t, 0, st.Variables["survey.score"])
	require.Equal(t, "0-10", st.Variables["survey.scale"])
	require.Len(t, h.sms, 1, "a 0 is a detractor")
	require.Equal(t, "0-10", h.surveys[0].Scale)
	require.Equal(t, 3, h.surveys[0].EntryVersion)
}

func TestScoreOffTheScaleIsRejected(t *testing.T) {
	for _, tt := range []struct {
		name  string
		step  entry.Step
		score int
	}{
		{"0 on 1-5", surveyStep(), 0},
		{"6 on 1-5", surveyStep(), 6},
		{"11 on 0-10", npsStep(), 11},
		{"-1 on 0-10", npsStep(), -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var answer *updateResult
			h.at(time.Minute, func() { answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: tt.score}) })

			st := h.complete(input(tt.step))

			require.False(t, answer.accepted)
			requireApplicationError(t, answer.rejection, workflows.ErrInvalidSurveyAnswer, "score:")
			require.Equal(t, false, st.Variables["survey.answered"])
		})
	}
	require.NoError(t, workflows.SurveyAnswer{Score: 10}.Check(scale.NPS))
	require.Error(t, workflows.SurveyAnswer{Score: 10}.Check(scale.CSAT))
}
