// Package soak is ccflow's chaos soak (`make soak`): it posts thousands of
// ended interactions to a whole ccflow (started by devenv.StartSystem, set
// up as `make dev` runs it) while it kills the worker with SIGKILL and
// restarts the Temporal dev server and PostgreSQL, answers some of the
// surveys through their links, waits until every run has finished, and
// then counts: runs started against runs expected, messages the SMTP and
// Twilio-shaped servers received against messages expected, duplicates of
// either. A duplicate message is tolerated only when it falls in the one
// gap docs/guarantees.md documents (the worker killed between the provider's
// acceptance and the record); Tally says how each is attributed.
package soak

import (
	"fmt"
	"regexp"
	"time"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/interaction"
)

// The soak's two entries: each run sends its survey's link and, after a
// short wait, one more message, on the entry's channel.
const (
	EmailEntry = "soak-email"
	SMSEntry   = "soak-sms"
	// SurveyStep and FinalStep are the step ids of the two messages.
	SurveyStep = "survey"
	FinalStep  = "final"
	// Service is the events' service, which both entries require.
	Service = "Soak"
	// EmailDisposition and SMSDisposition pick the entry an event matches.
	EmailDisposition = "Problem solved"
	SMSDisposition   = "Answer provided"
)

// Plan says what the soak sends and what each event should become.
type Plan struct {
	// Events is the number of distinct events.
	Events int
	// DuplicateEvery posts every n-th event twice (0: none): events with
	// i%n == 0 twice at once, events with i%n == n/2 again once the first
	// post was answered.
	DuplicateEvery int
	// AnswerEvery answers the survey of every n-th event (0: none).
	AnswerEvery int
	// SurveyWait is how long a survey waits for its answer; Wait the pause
	// between the survey and the last message.
	SurveyWait, Wait time.Duration
}

// Channel is the channel of event i's messages: odd events go by email,
// even ones by SMS.
func (p Plan) Channel(i int) string {
	if i%2 == 1 {
		return "email"
	}
	return "sms"
}

// Entry is the id of the entry event i matches.
func (p Plan) Entry(i int) string {
	if p.Channel(i) == "email" {
		return EmailEntry
	}
	return SMSEntry
}

// Answered reports whether the soak answers event i's survey.
func (p Plan) Answered(i int) bool { return p.AnswerEvery > 0 && i%p.AnswerEvery == 0 }

// AnswerByForm reports whether event i's answer goes through the survey
// page's form (as a customer's browser sends it) rather than the JSON API.
func (p Plan) AnswerByForm(i int) bool { return (i/max(p.AnswerEvery, 1))%2 == 0 }

// Score is the score the soak gives event i's survey.
func (p Plan) Score(i int) int { return 1 + i%5 }

// Posts is how event i is posted: 1, or 2 for a duplicate, and whether the
// two posts go at once.
func (p Plan) Posts(i int) (n int, together bool) {
	switch {
	case p.DuplicateEvery <= 0:
		return 1, false
	case i%p.DuplicateEvery == 0:
		return 2, true
	case i%p.DuplicateEvery == p.DuplicateEvery/2:
		return 2, false
	}
	return 1, false
}

// Vary gives event i (see loadgen.Events.Vary) a customer of its own, so
// no contact policy counts one run's messages against another's, and the
// disposition of its entry.
func (p Plan) Vary(i int, ev *interaction.Event) {
	ev.Service = Service
	ev.Disposition = EmailDisposition
	if p.Channel(i) == "sms" {
		ev.Disposition = SMSDisposition
	}
	ev.Case = nil // a case disposition would match nothing, but keep the event plain
	ev.Customer = &interaction.Customer{
		ID:        fmt.Sprintf("SOAK-C-%d", i),
		FirstName: "Soak",
		LastName:  fmt.Sprintf("Customer %d", i),
		Email:     fmt.Sprintf("soak-%d@example.com", i),
		Phone:     fmt.Sprintf("+1555%07d", i),
		TimeZone:  "UTC",
		Language:  "en",
	}
}

// WorkflowID is the workflow ID of interaction id's run of entry.
func WorkflowID(entry, interactionID string) string { return entry + "/" + interactionID }

// Key is the idempotency key of a run's message at step.
func Key(workflowID, step string) string { return workflowID + "/" + step }

// Entries returns the soak's two entries as the API takes them.
func (p Plan) Entries() []map[string]any {
	ref := "ref $(interaction.id) "
	trigger := func(d string) []any { return []any{map[string]any{"type": "disposition", "disposition": d}} }
	return []map[string]any{
		{
			"id": EmailEntry, "name": "Soak by email", "service": Service, "triggers": trigger(EmailDisposition),
			"steps": []any{
				map[string]any{"id": SurveyStep, "type": "send_survey", "channel": "email",
					"subject": "How did we do? " + ref + SurveyStep, "question": "How did we do?",
					"text": "Rate us 1-5: $(survey.url)\n" + ref + SurveyStep + "\n", "wait": p.SurveyWait.String()},
				map[string]any{"id": "pause", "type": "wait", "duration": p.Wait.String()},
				map[string]any{"id": FinalStep, "type": "send_email", "subject": "Thank you " + ref + FinalStep,
					"text": ref + FinalStep + " answered=$(survey.answered)\n"},
			},
		},
		{
			"id": SMSEntry, "name": "Soak by SMS", "service": Service, "triggers": trigger(SMSDisposition),
			"steps": []any{
				map[string]any{"id": SurveyStep, "type": "send_survey", "channel": "sms", "question": "How did we do?",
					"text": "Rate us 1-5: $(survey.url) " + ref + SurveyStep, "wait": p.SurveyWait.String()},
				map[string]any{"id": "pause", "type": "wait", "duration": p.Wait.String()},
				map[string]any{"id": FinalStep, "type": "send_sms", "text": ref + FinalStep + " answered=$(survey.answered)"},
			},
		},
	}
}

// Policy is the contact policy the soak applies: messages at any hour on
// both channels, no survey grace and no daily cap, so every run's two
// messages are expected whatever the time of day.
func Policy() map[string]any {
	return map[string]any{"quiet_hours": map[string]any{"sms": nil, "email": nil}}
}

var (
	refPattern      = regexp.MustCompile(`ref (\S+) (` + SurveyStep + `|` + FinalStep + `)\b`)
	linkPattern     = regexp.MustCompile(`https?://\S+/s/([A-Za-z0-9_.~-]+)`)
	answeredPattern = regexp.MustCompile(`answered=(true|false)`)
)

// Parsed is what the soak reads in a message it received.
type Parsed struct {
	InteractionID, Step string
	// Token is the survey link's token; "" in a final message.
	Token, Link string
	// Answered is the run's survey.answered as the final message says it:
	// "true", "false" or "" (a survey message).
	Answered string
}

// Parse reads a message body the soak's entries wrote; ok is false for a
// message they did not write.
func Parse(body string) (Parsed, bool) {
	m := refPattern.FindStringSubmatch(body)
	if m == nil {
		return Parsed{}, false
	}
	p := Parsed{InteractionID: m[1], Step: m[2]}
	if l := linkPattern.FindStringSubmatch(body); l != nil {
		p.Link, p.Token = l[0], l[1]
	}
	if a := answeredPattern.FindStringSubmatch(body); a != nil {
		p.Answered = a[1]
	}
	return p, true
}

// MessageID is the Message-ID ccflow gives the email with key.
func MessageID(key string) string { return activities.MessageID(key) }
