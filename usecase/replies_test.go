//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// replyFixture is the use cases with a worker of the real workflow and
// activities, sending SMS to the Twilio-shaped server.
type replyFixture struct {
	fixture
	twilio *testenv.TwilioServer
	// number is the contact center's number customers text.
	number string
	sids   int
}

func newReplyFixture(t *testing.T) *replyFixture {
	t.Helper()
	f := &replyFixture{fixture: newFixture(t), twilio: testenv.Twilio(t), number: "+15550001111"}
	f.svc.Log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	w := worker.New(f.temporal, f.svc.TaskQueue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{
		Store: f.store, Mailer: outbox.NewMailer(t.TempDir()),
		SMS:    twilio.New(twilio.Config{AccountSID: f.twilio.AccountSID, AuthToken: f.twilio.AuthToken, From: f.number, BaseURL: f.twilio.URL}),
		Signer: tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef")), PublicURL: "http://127.0.0.1:1",
		Log: f.svc.Log,
	})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	// Quiet hours would hold an SMS sent at night.
	_, err := f.store.SavePolicy(context.Background(), policy.Policy{QuietHours: policy.QuietHours{"sms": nil, "email": nil}})
	require.NoError(t, err)
	return f
}

// replyEntry asks by SMS, to be answered by reply within wait, and
// apologises by SMS for a low score.
func (f *replyFixture) replyEntry(t *testing.T, id, scale, wait string) {
	t.Helper()
	_, err := f.store.CreateEntry(context.Background(), entry.Entry{ID: id, Name: id, Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms", AnswerBy: entry.AnswerByReply, Scale: scale,
				Question: entry.Plain("How did we do?"), Text: entry.Plain("Hi $(customer.first_name), thanks for calling."), Wait: wait}},
			{ID: "low-score", Spec: &entry.If{Condition: "survey.answered && survey.score <= 2",
				Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: entry.Plain("Sorry, $(customer.first_name).")}}}}},
		}})
	require.NoError(t, err)
}

// start ingests an interaction of a customer with phone and returns the
// run's workflow ID.
func (f *replyFixture) start(t *testing.T, customerID, phone string) string {
	t.Helper()
	ev := event("Problem solved")
	ev.Customer = &interaction.Customer{ID: customerID, FirstName: "Ada", Phone: phone}
	res, err := f.svc.Ingest(context.Background(), ev, false)
	require.NoError(t, err)
	require.Len(t, res.Matches, 1)
	f.terminateAtCleanup(t, res)
	return res.Matches[0].WorkflowID
}

// text is an SMS from phone to the contact center, as Twilio posts it.
func (f *replyFixture) text(phone, body string) usecase.InboundSMSRequest {
	f.sids++
	return usecase.InboundSMSRequest{MessageSID: fmt.Sprintf("SM%032d", f.sids), From: phone, To: f.number, Body: body}
}

// reply posts an SMS from phone and returns what it did.
func (f *replyFixture) reply(t *testing.T, phone, body string) usecase.InboundSMSResult {
	t.Helper()
	res, err := f.svc.InboundSMS(context.Background(), f.text(phone, body))
	require.NoError(t, err)
	return res
}

// smsTo waits until n SMS reached phone and returns them.
func (f *replyFixture) smsTo(t *testing.T, phone string, n int) []testenv.TwilioMessage {
	t.Helper()
	var got []testenv.TwilioMessage
	require.Eventually(t, func() bool {
		got = got[:0]
		for _, m := range f.twilio.Messages() {
			if m.To == phone {
				got = append(got, m)
			}
		}
		return len(got) >= n
	}, 30*time.Second, 50*time.Millisecond, "%d SMS to %s; got %+v", n, phone, &got)
	return got
}

// ended waits for the run to complete and returns its view.
func (f *replyFixture) ended(t *testing.T, workflowID string) usecase.RunView {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, f.temporal.GetWorkflow(ctx, workflowID, "").Get(ctx, nil))
	view, err := f.svc.Run(ctx, workflowID)
	require.NoError(t, err)
	return view
}

// survey is the run's only survey, as operators see it.
func survey(t *testing.T, view usecase.RunView) usecase.SurveyView {
	t.Helper()
	require.Len(t, view.Surveys, 1)
	return view.Surveys[0]
}

func TestASurveyIsAnsweredBySMSReplyOnceAndTheRunTakesTheLowScoreBranch(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-survey", "", "1h")
	phone := "+15557770001"
	id := f.start(t, "C-1", phone)

	asked := f.smsTo(t, phone, 1)[0]
	require.Equal(t, "Hi Ada, thanks for calling.\nHow did we do?\nReply with a number from 1 (Very poor) to 5 (Excellent).", asked.Body)

	req := f.text(phone, "2 took a while")
	res, err := f.svc.InboundSMS(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, usecase.InboundSMSResult{Action: usecase.InboundAnswered}, res)

	view := f.ended(t, id)
	require.Equal(t, true, view.Variables["survey.answered"])
	require.EqualValues(t, 2, view.Variables["survey.score"])
	require.Equal(t, "took a while", view.Variables["survey.comment"])
	require.Equal(t, "reply", view.Variables["survey.answer_by"])
	require.Equal(t, "Sorry, Ada.", f.smsTo(t, phone, 2)[1].Body, "the low score's branch")
	sv := survey(t, view)
	require.Equal(t, "reply", sv.AnswerBy)
	require.NotNil(t, sv.Answer)
	require.Equal(t, 2, sv.Answer.Score)
	require.Equal(t, "took a while", sv.Answer.Comment)
	require.False(t, sv.Answer.Late)
	require.Len(t, sv.Replies, 1)
	require.Equal(t, req.MessageSID, sv.Replies[0].MessageSID)
	require.Equal(t, usecase.InboundAnswered, sv.Replies[0].Action)
	require.Equal(t, "2 took a while", *sv.Replies[0].Body)

	// Twilio posts the message again: handled once.
	again, err := f.svc.InboundSMS(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, usecase.InboundSMSResult{Action: usecase.InboundAnswered, Repeated: true}, again)
	// Another reply finds the survey answered: kept for an operator.
	require.Equal(t, usecase.InboundKept, f.reply(t, phone, "5 actually").Action)
	view, err = f.svc.Run(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, 2, survey(t, view).Answer.Score, "the first answer stays")
	require.Len(t, survey(t, view).Replies, 1, "a message after the answer is nobody's reply")
}

// A reply without a number gets one clarifying SMS, sent by the run
// through the contact policy and recorded as a delivery; the survey stays
// open, and a number (of any script) answers it.
func TestAnUnclearReplyGetsOneClarifyingSMSAndTheSurveyStaysOpen(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-clarify", "", "1h")
	phone := "+15557770002"
	id := f.start(t, "C-2", phone)
	f.smsTo(t, phone, 1)

	require.Equal(t, usecase.InboundUnclear, f.reply(t, phone, "").Action, "an empty body")
	clarify := f.smsTo(t, phone, 2)[1]
	require.Equal(t, "Please reply with just a number from 1 to 5.", clarify.Body)
	require.Equal(t, usecase.InboundUnclear, f.reply(t, phone, "10").Action, "10 on a 1-5 scale")
	require.Equal(t, usecase.InboundUnclear, f.reply(t, phone, "five").Action)
	require.Equal(t, usecase.InboundAnswered, f.reply(t, phone, "٥ شكرا").Action, "an Arabic-Indic five")

	view := f.ended(t, id)
	require.EqualValues(t, 5, view.Variables["survey.score"])
	require.Equal(t, "شكرا", view.Variables["survey.comment"])
	require.Len(t, f.smsTo(t, phone, 2), 2, "one clarifying SMS a survey: no apology for a 5, no second one")
	var clarified *usecase.DeliveryView
	for i, d := range view.Deliveries {
		if d.StepID == "survey/clarify" {
			clarified = &view.Deliveries[i]
		}
	}
	require.NotNil(t, clarified, "recorded as a delivery: %+v", view.Deliveries)
	require.Equal(t, "sent", clarified.Status)
	require.Equal(t, "send", clarified.Decision, "the contact policy decided it")
	var actions []string
	for _, r := range survey(t, view).Replies {
		actions = append(actions, r.Action)
	}
	require.Equal(t, []string{"unclear", "unclear", "unclear", "answered"}, actions)
}

// Keywords win: STOP opts the customer out and answers nothing.
func TestSTOPInReplyToASurveyOptsOutAndAnswersNothing(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-stop", "", "1h")
	phone := "+15557770003"
	id := f.start(t, "C-3", phone)
	f.smsTo(t, phone, 1)

	require.Equal(t, usecase.InboundOptedOut, f.reply(t, phone, "STOP").Action)

	view, err := f.svc.Run(context.Background(), id)
	require.NoError(t, err)
	require.Nil(t, survey(t, view).Answer)
	require.Empty(t, survey(t, view).Replies)
	require.Len(t, f.twilio.Messages(), 1, "no clarifying SMS")
}

// A reply after the survey's wait is stored as a late answer and shown;
// a message from a number no survey went to is kept, not an error.
func TestAReplyAfterTheWaitIsStoredLateAndOneFromNoSurveysNumberIsKept(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-late", "", "2s")
	phone := "+15557770004"
	id := f.start(t, "C-4", phone)
	f.smsTo(t, phone, 1)
	view := f.ended(t, id)
	require.Equal(t, false, view.Variables["survey.answered"])

	require.Equal(t, usecase.InboundAnswered, f.reply(t, phone, "1 - nobody called back").Action)

	view, err := f.svc.Run(context.Background(), id)
	require.NoError(t, err)
	sv := survey(t, view)
	require.NotNil(t, sv.Answer)
	require.True(t, sv.Answer.Late)
	require.Equal(t, 1, sv.Answer.Score)
	require.Equal(t, "nobody called back", sv.Answer.Comment)
	require.Len(t, f.twilio.Messages(), 1, "the run had ended: no apology")

	res := f.reply(t, "+15557779999", "5")
	require.Equal(t, usecase.InboundSMSResult{Action: usecase.InboundKept}, res)
	kept, err := f.svc.InboundMessages(context.Background(), time.Now().Add(-time.Hour), true)
	require.NoError(t, err)
	require.Len(t, kept, 1)
	require.Equal(t, "+15557779999", *kept[0].From)
	require.Nil(t, kept[0].SurveyID)

	// A late reply without a number is kept, without a clarifying SMS.
	other := f.start(t, "C-4b", "+15557770014")
	f.smsTo(t, "+15557770014", 1)
	f.ended(t, other)
	require.Equal(t, usecase.InboundKept, f.reply(t, "+15557770014", "who is this?").Action)
	require.Len(t, f.smsTo(t, "+15557770014", 1), 1)
}

// Two customers share a phone: the second survey to it goes as a link
// while the first waits for a reply, and a reply answers the number's
// open survey only.
func TestASecondSurveyToANumberGoesAsALinkAndAReplyAnswersTheOpenOne(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-shared", "", "1h")
	phone := "+15557770005"
	first := f.start(t, "C-5a", phone)
	f.smsTo(t, phone, 1)
	second := f.start(t, "C-5b", phone)
	link := f.smsTo(t, phone, 2)[1]
	require.Contains(t, link.Body, "Answer here: http://127.0.0.1:1/s/")
	require.NotContains(t, link.Body, "Reply with a number")
	third := f.start(t, "C-5c", "+15557770006")
	f.smsTo(t, "+15557770006", 1)

	require.Equal(t, usecase.InboundAnswered, f.reply(t, phone, "4/5").Action)

	view := f.ended(t, first)
	require.EqualValues(t, 4, view.Variables["survey.score"])
	for _, id := range []string{second, third} {
		v, err := f.svc.Run(context.Background(), id)
		require.NoError(t, err)
		require.Nil(t, survey(t, v).Answer, "%s is not answered by another number's reply", id)
		require.Equal(t, true, v.Variables["survey.url"] != nil)
	}
	v, err := f.svc.Run(context.Background(), second)
	require.NoError(t, err)
	require.Equal(t, "link", survey(t, v).AnswerBy)
	require.Equal(t, "link", v.Variables["survey.answer_by"])
	require.Len(t, v.Notes, 1)
	require.Equal(t, "the survey went as a link, not to be answered by reply: another survey waits for a reply from this number", v.Notes[0].Message)
}

// Twilio's longest message, 1,600 characters, answers with its words as
// the comment; on 0-10 the SMS asks for 0 to 10.
func TestALongReplyAnswersWithItsWordsAsTheComment(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-long", "0-10", "1h")
	phone := "+15557770007"
	id := f.start(t, "C-7", phone)
	require.True(t, strings.HasSuffix(f.smsTo(t, phone, 1)[0].Body, "Reply with a number from 0 (Not at all likely) to 10 (Extremely likely)."))
	words := strings.Repeat("ok ", 600)[:1598]
	body := "4 " + words
	require.Equal(t, 1600, utf8.RuneCountInString(body))

	require.Equal(t, usecase.InboundAnswered, f.reply(t, phone, body).Action)

	view := f.ended(t, id)
	require.EqualValues(t, 4, view.Variables["survey.score"])
	require.Equal(t, strings.TrimSpace(words), view.Variables["survey.comment"])
}

// Twilio posting one message twice at once, and two messages racing to
// answer one survey: each message is handled once, and one answers.
func TestRacingRepliesAnswerASurveyOnce(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-race", "", "1h")
	phone := "+15557770008"
	id := f.start(t, "C-8", phone)
	f.smsTo(t, phone, 1)
	same := f.text(phone, "3")
	posts := []usecase.InboundSMSRequest{same, same, f.text(phone, "4"), f.text(phone, "1")}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results = map[string][]usecase.InboundSMSResult{}
	)
	for _, p := range posts {
		wg.Go(func() {
			res, err := f.svc.InboundSMS(context.Background(), p)
			require.NoError(t, err)
			mu.Lock()
			results[p.MessageSID] = append(results[p.MessageSID], res)
			mu.Unlock()
		})
	}
	wg.Wait()

	view := f.ended(t, id)
	// Each message was handled once: Twilio's two posts of one message
	// say the same, and one message answered. A message read after the
	// answer was stored finds no open survey and is kept for an operator,
	// not under the survey; one read before is kept under it.
	require.Len(t, results, 3, "three messages")
	require.Equal(t, results[same.MessageSID][0].Action, results[same.MessageSID][1].Action, "one message, one outcome: %+v", results)
	answeringSIDs := 0
	for sid, rs := range results {
		if rs[0].Action == usecase.InboundAnswered {
			answeringSIDs++
		} else {
			require.Equal(t, usecase.InboundKept, rs[0].Action, sid)
		}
	}
	require.Equal(t, 1, answeringSIDs, "one message answers: %+v", results)
	answered := 0
	var answeredBody string
	for _, r := range survey(t, view).Replies {
		if r.Action == usecase.InboundAnswered {
			answered++
			answeredBody = *r.Body
		} else {
			require.Equal(t, usecase.InboundKept, r.Action)
		}
	}
	require.Equal(t, 1, answered, "the survey shows its answering message: %+v", survey(t, view).Replies)
	require.Equal(t, answeredBody, fmt.Sprint(survey(t, view).Answer.Score), "the answer stored is the answering message's")
	require.EqualValues(t, survey(t, view).Answer.Score, view.Variables["survey.score"], "the run and the store agree")
}

// When Temporal cannot be reached the reply is kept as received and the
// post fails, so Twilio may retry it; the retry finishes the work.
func TestAReplyWhileTemporalIsDownIsFinishedByTheRetry(t *testing.T) {
	f := newReplyFixture(t)
	f.replyEntry(t, "reply-down", "", "1h")
	phone := "+15557770009"
	id := f.start(t, "C-9", phone)
	f.smsTo(t, phone, 1)
	unreachable, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	t.Cleanup(unreachable.Close)
	down := &usecase.Service{Store: f.store, Temporal: unreachable, TaskQueue: f.svc.TaskQueue, Log: f.svc.Log}
	req := f.text(phone, "5")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = down.InboundSMS(ctx, req)
	require.True(t, errors.Is(err, usecase.ErrUnavailable), "%v", err)
	view, err := f.svc.Run(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, usecase.InboundReceived, survey(t, view).Replies[0].Action)
	require.Nil(t, survey(t, view).Answer)

	res, err := f.svc.InboundSMS(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, usecase.InboundSMSResult{Action: usecase.InboundAnswered}, res)
	view = f.ended(t, id)
	require.EqualValues(t, 5, view.Variables["survey.score"])
}
