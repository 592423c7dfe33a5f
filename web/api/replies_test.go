//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/workflows"
)

// replyEntry asks by SMS, to be answered by reply, and apologises for a
// low score.
func replyEntry(name string) map[string]any {
	e := surveyEntry(name)
	e["steps"] = []any{
		map[string]any{"id": "survey", "type": "send_survey", "channel": "sms", "answer_by": "reply", "wait": "1h",
			"question": "How did we do?", "text": "Hi $(customer.first_name)."},
		map[string]any{"id": "low-score", "type": "if", "condition": "survey.answered && survey.score <= 2",
			"then": []any{map[string]any{"id": "apology", "type": "send_sms", "text": "Sorry, $(customer.first_name)."}}},
	}
	return e
}

// startSMSWorker runs the real workflow and activities on the test's task
// queue, sending SMS to a Twilio-shaped server, which it returns.
func (a *testAPI) startSMSWorker() *testenv.TwilioServer {
	a.t.Helper()
	srv := testenv.Twilio(a.t)
	w := worker.New(a.temporal, a.taskQueue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{
		Store: a.store, Mailer: outbox.NewMailer(a.t.TempDir()), Signer: a.signer, Keys: a.keys, PublicURL: publicURL,
		SMS: twilio.New(twilio.Config{AccountSID: srv.AccountSID, AuthToken: srv.AuthToken, From: "+15550001111", BaseURL: srv.URL}),
	})
	require.NoError(a.t, w.Start())
	a.t.Cleanup(w.Stop)
	_, err := a.store.SavePolicy(context.Background(), policy.Policy{QuietHours: policy.QuietHours{"sms": nil, "email": nil}})
	require.NoError(a.t, err)
	return srv
}

// replyView is the part of GET /v1/workflows/{id} about surveys by reply.
type replyView struct {
	Status    string         `json:"status"`
	Variables map[string]any `json:"variables"`
	Surveys   []struct {
		AnswerBy string `json:"answer_by"`
		Answer   *struct {
			Score   int    `json:"score"`
			Comment string `json:"comment"`
			Late    bool   `json:"late"`
		} `json:"answer"`
		Replies []struct {
			MessageSID string  `json:"message_sid"`
			Body       *string `json:"body"`
			Action     string  `json:"action"`
		} `json:"replies"`
	} `json:"surveys"`
}

// The survey SMS out, the customer's reply in through the signed webhook,
// the run's answer and low-score branch, and what the run's view shows;
// every exchange checked against openapi.yaml.
func TestASurveyIsAnsweredByAnSMSReplyThroughTheWebhook(t *testing.T) {
	a := newTestAPI(t)
	srv := a.startSMSWorker()
	a.createEntry(replyEntry("Survey by reply"))
	ev := endedEvent(uniqueID("INT-"))
	ev["customer"] = map[string]any{"id": "C-77", "first_name": "Ada", "phone": "+15557771234"}
	res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusOK)
	require.Len(t, res.Matches, 1)
	id := res.Matches[0].WorkflowID
	a.terminateAtCleanup(id)

	asked := srv.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "+15557771234", asked.To)
	require.Equal(t, "Hi Ada.\nHow did we do?\nReply with a number from 1 (Very poor) to 5 (Excellent).", asked.Body)

	empty := url.Values{"MessageSid": {inboundSID(t, 1)}, "From": {asked.To}, "To": {asked.From}, "Body": {""}}
	status, contentType, body := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken, empty)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "text/xml", contentType)
	require.Equal(t, "Please reply with just a number from 1 to 5.", srv.WaitForMessages(t, 2, 30*time.Second)[1].Body)

	// A hostile reply: NUL, bytes that are not UTF-8, 5,000 characters.
	hostile := url.Values{"MessageSid": {inboundSID(t, 4)}, "From": {asked.To}, "To": {asked.From},
		"Body": {"\x00\xff" + strings.Repeat("é", 5000) + " 3"}}
	status, _, body = a.signedForm("/webhooks/twilio/inbound", twilioAuthToken, hostile)
	require.Equal(t, http.StatusOK, status, body)

	answer := url.Values{"MessageSid": {inboundSID(t, 2)}, "From": {asked.To}, "To": {asked.From}, "Body": {"1 nobody called back"}}
	status, _, first := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken, answer)
	require.Equal(t, http.StatusOK, status, first)
	// Twilio posts it again: the same answer, nothing new.
	status, _, again := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken, answer)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, first, again)

	require.NoError(t, a.temporal.GetWorkflow(context.Background(), id, "").Get(context.Background(), nil))
	view := decode[replyView](t, a.call(http.MethodGet, "/v1/workflows/"+url.PathEscape(id), nil), http.StatusOK)
	require.Equal(t, "Completed", view.Status)
	require.EqualValues(t, 1, view.Variables["survey.score"])
	require.Equal(t, "nobody called back", view.Variables["survey.comment"])
	require.Equal(t, "Sorry, Ada.", srv.WaitForMessages(t, 3, 30*time.Second)[2].Body, "the low score's branch")
	require.Len(t, view.Surveys, 1)
	sv := view.Surveys[0]
	require.Equal(t, "reply", sv.AnswerBy)
	require.Equal(t, 1, sv.Answer.Score)
	require.False(t, sv.Answer.Late)
	require.Len(t, sv.Replies, 3)
	require.Equal(t, "unclear", sv.Replies[0].Action)
	require.Equal(t, "unclear", sv.Replies[1].Action, "the 3 lies past the 1,600 characters a message keeps")
	require.Equal(t, 1600, utf8.RuneCountInString(*sv.Replies[1].Body))
	require.Equal(t, "answered", sv.Replies[2].Action)
	require.Equal(t, "1 nobody called back", *sv.Replies[2].Body)
	require.Len(t, srv.Messages(), 3, "one clarifying SMS, no other")

	// A text from a number no survey went to is kept, not an error.
	status, _, body = a.signedForm("/webhooks/twilio/inbound", twilioAuthToken,
		url.Values{"MessageSid": {inboundSID(t, 3)}, "From": {"+15557770000"}, "Body": {"5"}})
	require.Equal(t, http.StatusOK, status, body)
}

// Bad input about replies gets a 400 naming the field.
func TestAnEntryAnsweredByReplyIsCheckedNamingTheField(t *testing.T) {
	a := newTestAPI(t)
	tests := []struct {
		name    string
		change  func(step map[string]any)
		field   string
		message string
	}{
		{"an email survey", func(s map[string]any) { s["channel"], s["subject"] = "email", "Hi" },
			"steps[0].answer_by", "only SMS surveys are answered by reply"},
		{"an unknown way", func(s map[string]any) { s["answer_by"] = "call" },
			"steps[0].answer_by", `"call" is not a way to answer (use link or reply)`},
		{"by link, the text needs the link", func(s map[string]any) { s["answer_by"] = "link" },
			"steps[0].text", "must contain $(survey.url)"},
		{"a text is still required", func(s map[string]any) { delete(s, "text") }, "steps[0].text", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := replyEntry(uniqueID("Bad reply "))
			tt.change(e["steps"].([]any)[0].(map[string]any))

			got := requireError(t, a.call(http.MethodPost, "/v1/entries", e), http.StatusBadRequest)

			require.Equal(t, tt.field, got.Field)
			require.Contains(t, got.Message, tt.message)
		})
	}
}
