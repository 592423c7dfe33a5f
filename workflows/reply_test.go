package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

const clarifyID = "survey/clarify"

// replyStep is an SMS survey answered by reply, waiting a day; a new one
// each time, so that a test may change it.
func replyStep() entry.Step {
	return entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms", AnswerBy: entry.AnswerByReply,
		Question: entry.Plain("How did we do, $(customer.first_name)?"),
		Text:     entry.Plain("Thanks for calling Acme."),
		Wait:     "1d"}}
}

// unclear signals the run that the customer replied without a number.
func (h *harness) unclear() {
	h.env.SignalWorkflow(workflows.UnclearReplySignal, workflows.UnclearReply{SurveyID: surveyID})
}

// smsOf returns the SMS of a step the run sent.
func (h *harness) smsOf(stepID string) []workflows.SMSInput {
	var out []workflows.SMSInput
	for _, m := range h.sms {
		if m.StepID == stepID {
			out = append(out, m)
		}
	}
	return out
}

// messageOf returns the run's message of a step.
func messageOf(t *testing.T, st workflows.State, stepID string) workflows.Message {
	t.Helper()
	for _, m := range st.Messages {
		if m.StepID == stepID {
			return m
		}
	}
	t.Fatalf("no message of step %s in %+v", stepID, st.Messages)
	return workflows.Message{}
}

func TestASurveyAnsweredByReplyAsksTheQuestionAndTakesTheReply(t *testing.T) {
	h := newHarness(t)
	var during workflows.State
	var answer *updateResult
	h.at(time.Hour, func() {
		during = h.state()
		answer = h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 2, Comment: "slow", Reply: "SM1"})
	})

	st := h.complete(input(replyStep(), apologyIfUnhappy()))

	require.Len(t, h.surveys, 1)
	require.Equal(t, &workflows.ReplyClaim{To: "+15551234567", Wait: durations.Day}, h.surveys[0].Reply)
	require.Equal(t, "1-5", h.surveys[0].Scale)
	require.Equal(t, []workflows.SMSInput{{Key: surveyID, WorkflowID: workflowID, StepID: "survey", To: "+15551234567",
		Text:    "Thanks for calling Acme.\nHow did we do, Ada?\nReply with a number from 1 (Very poor) to 5 (Excellent).",
		Contact: h.sms[0].Contact}}, h.smsOf("survey"))
	require.True(t, h.sms[0].Contact.Survey)
	require.Equal(t, "waiting for the SMS reply to the survey of step survey until 2026-11-24 10:15 UTC", during.Details)
	require.Equal(t, "reply", during.Variables["survey.answer_by"])

	require.True(t, answer.accepted)
	require.Equal(t, true, st.Variables["survey.answered"])
	require.EqualValues(t, 2, st.Variables["survey.score"])
	require.Equal(t, "slow", st.Variables["survey.comment"])
	require.Len(t, h.emails, 1, "the low score's apology")
	require.Empty(t, h.smsOf(clarifyID))
}

// The SMS speaks the run's language, on the survey's scale; a step
// without a text of its own asks the question alone.
func TestASurveyAnsweredByReplyAsksInTheRunsLanguageOnItsScale(t *testing.T) {
	tests := []struct {
		name  string
		lang  string
		scale string
		text  entry.Text
		want  string
	}{
		{"1-5 in English", "en", "", entry.Plain("Hi!"),
			"Hi!\nHow did we do?\nReply with a number from 1 (Very poor) to 5 (Excellent)."},
		{"0-10 in English", "en", "0-10", entry.Plain("Hi!"),
			"Hi!\nHow did we do?\nReply with a number from 0 (Not at all likely) to 10 (Extremely likely)."},
		{"1-5 in Spanish", "es-MX", "", entry.Translated(map[string]string{"en": "Hi!", "es": "¡Hola!"}),
			"¡Hola!\nHow did we do?\nResponda con un número del 1 (Muy malo) al 5 (Excelente)."},
		{"0-10 in Japanese", "ja", "0-10", entry.Translated(map[string]string{"en": "Hi!", "ja": "こんにちは"}),
			"こんにちは\nHow did we do?\n0（まったく思わない）から10（非常にそう思う）までの数字で返信してください。"},
		{"a text of spaces asks the question alone", "en", "", entry.Plain(" "),
			"How did we do?\nReply with a number from 1 (Very poor) to 5 (Excellent)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			step := replyStep()
			s := step.Spec.(*entry.SendSurvey)
			s.Question, s.Text, s.Scale = entry.Plain("How did we do?"), tt.text, tt.scale
			in := input(step)
			in.Event.Customer.Language = tt.lang

			h.complete(in)

			require.Equal(t, tt.want, h.smsOf("survey")[0].Text)
		})
	}
}

// A second survey to a number whose reply survey is open goes as a link,
// and the run says so.
func TestASurveyAnsweredByReplyGoesAsALinkWhileAnotherWaitsForTheNumber(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"with the question and the link after its text", "Thanks for calling Acme.",
			"Thanks for calling Acme.\nHow did we do, Ada?\nAnswer here: https://ccflow.example/s/survey"},
		{"as it is when its text shows the link", "Tell us: $(survey.url)", "Tell us: https://ccflow.example/s/survey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.replyElsewhere = "another survey waits for a reply from this number"
			step := replyStep()
			step.Spec.(*entry.SendSurvey).Text = entry.Plain(tt.text)
			var during workflows.State
			h.at(time.Hour, func() {
				h.unclear() // no reply survey: nothing to clarify
				during = h.state()
				h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 5})
			})

			st := h.complete(input(step))

			require.Equal(t, tt.want, h.smsOf("survey")[0].Text)
			require.Equal(t, "link", st.Variables["survey.answer_by"])
			require.Equal(t, []workflows.Note{{StepID: "survey", At: start,
				Message: "the survey went as a link, not to be answered by reply: another survey waits for a reply from this number"}}, st.Notes)
			require.Equal(t, "waiting for the survey answer from step survey until 2026-11-24 10:15 UTC"+
				" (sent as a link: another survey waits for a reply from this number)", during.Details)
			require.EqualValues(t, 5, st.Variables["survey.score"])
			require.Empty(t, h.smsOf(clarifyID))
		})
	}
}

// A reply without a number gets one clarifying SMS, through the contact
// policy as any message but not as a survey, and the survey stays open:
// a later reply answers it, within the same wait.
func TestAnUnclearReplyGetsOneClarifyingSMSAndTheSurveyStaysOpen(t *testing.T) {
	h := newHarness(t)
	h.at(10*time.Minute, h.unclear)
	h.at(20*time.Minute, h.unclear) // once per survey
	var during workflows.State
	h.at(30*time.Minute, func() {
		during = h.state()
		h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 4, Reply: "SM3"})
	})

	st := h.complete(input(replyStep(), entry.Step{ID: "after", Spec: &entry.SendSMS{Text: entry.Plain("Thanks!")}}))

	clarify := h.smsOf(clarifyID)
	require.Len(t, clarify, 1)
	require.Equal(t, "Please reply with just a number from 1 to 5.", clarify[0].Text)
	require.Equal(t, "+15551234567", clarify[0].To)
	require.Equal(t, workflowID+"/"+clarifyID, clarify[0].Key)
	require.NotNil(t, clarify[0].Contact, "the contact policy judges it")
	require.False(t, clarify[0].Contact.Survey, "survey grace does not hold it back")
	require.True(t, clarify[0].Contact.Recipient)
	require.Equal(t, workflows.SendSent, messageOf(t, st, clarifyID).Status)
	require.Equal(t, "waiting for the SMS reply to the survey of step survey until 2026-11-24 10:15 UTC", during.Details,
		"the details say the wait again once the clarifying SMS went")
	require.EqualValues(t, 4, st.Variables["survey.score"])
	require.Equal(t, start.Add(30*time.Minute), messageOf(t, st, "after").SentAt.UTC(), "the answer ended the wait")
}

// The clarifying SMS waits beside the survey's wait: it neither stretches
// the wait nor reaches a customer after the survey closed.
func TestAClarifyingSMSHeldForQuietHoursGoesOnlyWhileTheSurveyWaits(t *testing.T) {
	tests := []struct {
		name string
		// answerAt is when the customer answers; zero never.
		answerAt time.Duration
		holdFor  time.Duration
		// sent is whether the clarifying SMS went after its hold.
		sent bool
		// next is when the step after the survey ran.
		next time.Duration
	}{
		{"answered while it is held", 2 * time.Hour, 8 * time.Hour, false, 2 * time.Hour},
		{"the wait ends while it is held", 0, 30 * time.Hour, false, durations.Day},
		{"sent when the window opens, the survey still waiting", 0, 8 * time.Hour, true, durations.Day},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			holds := 0
			h.outcomes[clarifyID] = workflows.Delivery{Status: workflows.SendHeld, Until: start.Add(time.Hour + tt.holdFor),
				Wait: tt.holdFor, Code: "quiet_hours", Reason: "quiet hours"}
			h.at(time.Hour, h.unclear)
			h.at(time.Hour+time.Minute, func() { holds = len(h.smsOf(clarifyID)) })
			h.at(time.Hour+time.Minute, func() { delete(h.outcomes, clarifyID) }) // the window opens when the hold ends
			if tt.answerAt > 0 {
				h.at(tt.answerAt, func() { h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 5, Reply: "SM2"}) })
			}

			// The run goes on long after the hold: nothing but the survey's
			// end stops the clarifying SMS.
			st := h.complete(input(replyStep(), entry.Step{ID: "after", Spec: &entry.SendSMS{Text: entry.Plain("Thanks!")}},
				entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "3d"}}))

			require.Zero(t, holds, "held: nothing reached the customer")
			require.Equal(t, tt.sent, len(h.smsOf(clarifyID)) == 1)
			m := messageOf(t, st, clarifyID)
			if tt.sent {
				require.Equal(t, workflows.SendSent, m.Status)
			} else {
				require.Equal(t, workflows.SendSkipped, m.Status)
				require.Equal(t, "the survey closed before it could go", m.Reason)
			}
			require.Equal(t, start.Add(tt.next), messageOf(t, st, "after").SentAt.UTC())
			require.Equal(t, tt.answerAt > 0, st.Variables["survey.answered"])
		})
	}
}

// A clarifying SMS that cannot be sent is no failure of the survey.
func TestAClarifyingSMSThatFailsLeavesTheSurveyWaiting(t *testing.T) {
	h := newHarness(t)
	h.failures[clarifyID] = []error{temporal.NewNonRetryableApplicationError("The 'To' number is not a valid phone number.",
		workflows.ErrTypeSendRejected, nil)}
	h.at(time.Hour, h.unclear)
	h.at(2*time.Hour, func() { h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 3, Reply: "SM2"}) })

	st := h.complete(input(replyStep()))

	require.EqualValues(t, 3, st.Variables["survey.score"])
	require.Empty(t, st.Errors)
	require.Equal(t, []workflows.Note{{StepID: clarifyID, At: start.Add(time.Hour),
		Message: "the clarifying SMS could not be sent; its delivery record says why"}}, st.Notes)
}

// An unclear reply after the survey was answered, or for another survey,
// changes nothing.
func TestAnUnclearReplyForNoWaitingSurveyChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() { h.answer(workflows.SurveyAnswer{SurveyID: surveyID, Score: 5, Reply: "SM1"}) })
	h.at(2*time.Hour, h.unclear)
	h.at(2*time.Hour, func() {
		h.env.SignalWorkflow(workflows.UnclearReplySignal, workflows.UnclearReply{SurveyID: workflowID + "/other"})
	})

	h.complete(input(replyStep(), entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}))

	require.Empty(t, h.smsOf(clarifyID))
}

// A run without the sms-reply change sends a survey asked to be answered
// by reply as a link, as a worker without the change would (a rolling
// deploy), and asks for no claim on the number.
func TestARunBeforeTheSMSReplyChangeSendsAReplySurveyAsALink(t *testing.T) {
	h := newHarness(t)
	h.env.RegisterWorkflow(workflows.FollowUpBeforeSMSReply)
	h.at(time.Hour, h.unclear)

	h.env.ExecuteWorkflow(workflows.FollowUpBeforeSMSReply, input(replyStep()))

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	var st workflows.State
	require.NoError(t, h.env.GetWorkflowResult(&st))
	require.Nil(t, h.surveys[0].Reply)
	require.Equal(t, "Thanks for calling Acme.\nHow did we do, Ada?\nAnswer here: https://ccflow.example/s/survey", h.smsOf("survey")[0].Text)
	require.NotContains(t, st.Variables, "survey.answer_by")
	require.Empty(t, h.smsOf(clarifyID))
	require.Empty(t, st.Notes)
}
