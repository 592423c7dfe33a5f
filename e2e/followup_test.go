//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// seedEntry is SPEC's seed scenario, with waits short enough for a real
// server: a survey by email, an SMS that depends on the score, a durable
// wait, then a follow-up email.
func seedEntry() map[string]any {
	return map[string]any{
		"name":    "Post-call survey",
		"service": "Billing Support",
		"triggers": []any{
			map[string]any{"type": "disposition", "disposition": "Problem solved"},
		},
		"steps": []any{
			map[string]any{"id": "survey", "type": "send_survey", "channel": "email",
				"subject":  "How did we do, $(customer.first_name)?",
				"question": "How happy are you with $(agent.name)'s help?",
				"text":     "Tell us in one tap: $(survey.url)", "wait": "1h"},
			map[string]any{"id": "score-check", "type": "if", "condition": "survey.answered && survey.score <= 2",
				"then": []any{map[string]any{"id": "apology", "type": "send_sms",
					"text": "Sorry, $(customer.first_name). A supervisor will call you about order $(order_id)."}},
				"else": []any{map[string]any{"id": "thanks", "type": "send_sms", "text": "Thanks for the $(survey.score)/5!"}}},
			map[string]any{"id": "pause", "type": "wait", "duration": "2s"},
			map[string]any{"id": "follow-up-email", "type": "send_email",
				"subject": "Your case $(case.number)", "text": "Hi $(customer.first_name), is everything still fine with order $(order_id)?"},
		},
	}
}

func seedEvent(interactionID string) map[string]any {
	return map[string]any{
		"interaction_id": interactionID, "service": "Billing Support", "channel": "voice",
		"disposition": "Problem solved", "average_sentiment": 0.62, "ended_at": "2026-11-23T10:15:00Z",
		"agent": map[string]any{"id": "A-7", "name": "Sam"},
		"customer": map[string]any{"id": "C-77", "first_name": "Ada", "last_name": "Lovelace",
			"email": "ada@example.com", "phone": "+15551234567"},
		"case":      map[string]any{"id": "CASE-9", "number": "9", "disposition": "Need more information", "final": false},
		"variables": map[string]any{"order_id": "A-17"},
	}
}

type ingestAnswer struct {
	Matches []struct {
		EntryID    string `json:"entry_id"`
		WorkflowID string `json:"workflow_id"`
		RunID      string `json:"run_id"`
		Status     string `json:"status"`
	} `json:"matches"`
}

var surveyLink = regexp.MustCompile(`https?://\S+/s/[A-Za-z0-9._-]+`)

func TestSeedScenarioFromEventToFollowUpEmail(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", seedEntry(), nil))

	// The SMTP server refuses the first attempt for a while: the retried
	// send activity must still deliver the survey exactly once.
	s.smtp.FailNext(451, 1)
	id := interactionID("INT-1001")
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), &started))
	require.Len(t, started.Matches, 1)
	require.Equal(t, "started", started.Matches[0].Status)
	require.Equal(t, "post-call-survey/"+id, started.Matches[0].WorkflowID)

	survey := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, []string{"ada@example.com"}, survey.To)
	require.Equal(t, "How did we do, Ada?", survey.Subject)
	link := surveyLink.FindString(survey.Text)
	require.NotEmpty(t, link, "the survey email must carry the survey link: %q", survey.Text)

	page, err := http.Get(link)
	require.NoError(t, err)
	page.Body.Close()
	require.Equal(t, http.StatusOK, page.StatusCode)
	answer, err := http.PostForm(link, url.Values{"score": {"2"}, "comment": {"Took too long"}})
	require.NoError(t, err)
	answer.Body.Close()
	require.Equal(t, http.StatusOK, answer.StatusCode)

	sms := s.twilio.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "+15551234567", sms.To)
	require.Equal(t, "Sorry, Ada. A supervisor will call you about order A-17.", sms.Body)

	followUp := s.smtp.WaitForMessages(t, 2, 30*time.Second)[1]
	require.Equal(t, "Your case 9", followUp.Subject)
	require.Contains(t, followUp.Text, "order A-17")

	run := s.waitForRun("post-call-survey/"+id, "completed", 30*time.Second)
	require.Equal(t, "post-call-survey", run["entry_id"])
	require.EqualValues(t, 1, run["entry_version"])
	variables := run["variables"].(map[string]any)
	require.Equal(t, true, variables["survey.answered"])
	require.EqualValues(t, 2, variables["survey.score"])
	require.Len(t, run["messages"], 3)

	var surveyDelivery map[string]any
	for _, d := range run["deliveries"].([]any) {
		if d.(map[string]any)["step_id"] == "survey" {
			surveyDelivery = d.(map[string]any)
		}
	}
	require.NotNil(t, surveyDelivery, "the survey send is recorded: %v", run["deliveries"])
	require.EqualValues(t, 2, surveyDelivery["attempts"], "the refused first attempt was retried")
	require.Len(t, s.smtp.Messages(), 2, "a retried send never sends twice")
}

func TestTheSameEventTwiceStartsNothingNew(t *testing.T) {
	s := startSystem(t)
	entry := seedEntry()
	entry["steps"] = []any{map[string]any{"id": "hello", "type": "send_email", "subject": "Hello", "text": "Hi $(customer.first_name)"}}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", entry, nil))

	id := interactionID("INT-2002")
	var first, second ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), &first))
	s.waitForRun("post-call-survey/"+id, "completed", 30*time.Second)
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), &second))

	require.Equal(t, "started", first.Matches[0].Status)
	require.Equal(t, "already_started", second.Matches[0].Status)
	require.Equal(t, first.Matches[0].RunID, second.Matches[0].RunID)
	require.Len(t, s.smtp.Messages(), 1, "the repeated event sent nothing")
}

func TestAnUndefinedVariableFailsTheRunWithoutSending(t *testing.T) {
	s := startSystem(t)
	entry := seedEntry()
	entry["steps"] = []any{map[string]any{"id": "promo", "type": "send_sms", "text": "Your code is $(promo_code)"}}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", entry, nil))
	id := interactionID("INT-3003")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), nil))

	run := s.waitForRun("post-call-survey/"+id, "failed", 30*time.Second)
	require.Contains(t, strings.ToLower(run["details"].(string)), "$(promo_code) is not defined")
	require.Empty(t, s.twilio.Messages())
}
