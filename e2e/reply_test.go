//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// replySurveyEntry is the seed scenario with its survey asked by SMS, to
// be answered by reply.
func replySurveyEntry() map[string]any {
	e := seedEntry()
	steps := e["steps"].([]any)
	steps[0] = map[string]any{"id": "survey", "type": "send_survey", "channel": "sms", "answer_by": "reply",
		"question": "How happy are you with $(agent.name)'s help?",
		"text":     "Hi $(customer.first_name), thanks for calling Billing Support.", "wait": "1h"}
	return e
}

// The survey SMS goes out through the Twilio-shaped server; the customer
// replies from their phone, as Twilio posts it signed to the starter's
// webhook: a reply without a number gets the one clarifying SMS, the
// number answers, and the run takes the low score's branch.
func TestASurveyIsAnsweredByAnSMSReplyFromTheCustomersPhone(t *testing.T) {
	s := startSystem(t)
	id := s.startRun(replySurveyEntry(), "INT-REPLY")
	inbound := s.baseURL + "/webhooks/twilio/inbound"

	asked := s.twilio.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "+15551234567", asked.To)
	require.Equal(t, "Hi Ada, thanks for calling Billing Support.\nHow happy are you with Sam's help?\n"+
		"Reply with a number from 1 (Very poor) to 5 (Excellent).", asked.Body)
	run := s.waitForState(id, "the wait for the reply", func(run map[string]any) bool {
		details, _ := run["details"].(string)
		return strings.HasPrefix(details, "waiting for the SMS reply to the survey of step survey until ")
	})
	require.Equal(t, "reply", run["variables"].(map[string]any)["survey.answer_by"])

	status, contentType, _ := s.twilio.ReplyTo(t, inbound, asked, "hmm, ok I guess")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "text/xml", contentType)
	clarify := s.twilio.WaitForMessages(t, 2, 30*time.Second)[1]
	require.Equal(t, "+15551234567", clarify.To)
	require.Equal(t, "Please reply with just a number from 1 to 5.", clarify.Body)

	status, _, answered := s.twilio.ReplyTo(t, inbound, asked, "2 the hold music was awful")
	require.Equal(t, http.StatusOK, status)

	run = s.waitForRun(id, "completed", 60*time.Second)
	vars := run["variables"].(map[string]any)
	require.Equal(t, true, vars["survey.answered"])
	require.EqualValues(t, 2, vars["survey.score"])
	require.Equal(t, "the hold music was awful", vars["survey.comment"])
	require.Equal(t, "sent", messageOf(t, run, "apology")["status"], "the low score's branch")
	require.Equal(t, "sent", messageOf(t, run, "survey/clarify")["status"])
	var bodies []string
	for _, m := range s.twilio.Messages() {
		bodies = append(bodies, m.Body)
	}
	require.Equal(t, []string{asked.Body, clarify.Body, "Sorry, Ada. A supervisor will call you about order A-17."}, bodies)
	survey := run["surveys"].([]any)[0].(map[string]any)
	require.Equal(t, "reply", survey["answer_by"])
	require.EqualValues(t, 2, survey["answer"].(map[string]any)["score"])
	require.Equal(t, false, survey["answer"].(map[string]any)["late"])
	var actions []any
	for _, r := range survey["replies"].([]any) {
		actions = append(actions, r.(map[string]any)["action"])
	}
	require.Equal(t, []any{"unclear", "answered"}, actions)

	// Twilio posts the answer again, byte for byte: the same empty TwiML,
	// nothing new.
	posts := s.twilio.InboundPosts()
	status, _, again := s.twilio.Repost(t, posts[len(posts)-1])
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, answered, again)
	s.waitForState(id, "nothing new", func(run map[string]any) bool {
		return len(run["surveys"].([]any)[0].(map[string]any)["replies"].([]any)) == 2
	})
	require.Len(t, s.twilio.Messages(), 3)
}
