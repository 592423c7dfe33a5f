// Package soak is ccflow's chaos soak (`make soak`): it posts thousands of
// ended interactions to a whole ccflow (started by devenv.StartSystem, set
// up as `make dev` runs it) while it kills the worker with SIGKILL and
// restarts the Temporal dev server and PostgreSQL, answers some of the
// surveys through their links, waits until every run has finished, and
// then counts: runs started against runs expected, messages the SMTP and
// Twilio-shaped servers received against messages expected, duplicates of
// either. A duplicate message is tolerated only when it falls in the one
// gap docs/guarantees.md documents (the worker killed between the provider's
// acceptance and the record); Tally says how each is attributed. The runs
// go on a contact policy with quiet hours, a daily cap and opt-outs made
// mid-run, and every message is judged against it: nothing sent that it
// forbade, nothing skipped that it allowed.
package soak

import (
	"fmt"
	"regexp"
	"strings"
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
	// DailyCap is the contact policy's max_per_day on both channels (0:
	// off). With a cap, the events' runs come in pairs of one customer
	// (see Customer): four messages on one channel, so a cap of 3 skips
	// one of them.
	DailyCap int
	// QuietFor is how long each channel's quiet hours last during the soak
	// (see Quiet; 0: none): sends due then are held until they end.
	QuietFor time.Duration
	// OptOutEvery opts the customer of every n-th event out of its channel
	// (0: none), through the API and written another way than the event
	// writes it, as soon as the run's survey arrives: the run's last
	// message, and any later one to that customer, must be skipped.
	OptOutEvery int
}

// Zone is the customers' time zone, whose quarter-hour offset the quiet
// hours are written in.
const Zone = "Asia/Kathmandu"

// Customer is the number of event i's customer: its own, or with a daily
// cap the same as the event two before or after it (events 4k+1 and 4k+3
// share one customer by email, 4k+2 and 4k+4 one by SMS).
func (p Plan) Customer(i int) int {
	if p.DailyCap > 0 && (i-1)%4 >= 2 {
		return i - 2
	}
	return i
}

// OptsOut reports whether the soak opts event i's customer out of its
// channel once the run's survey has arrived.
func (p Plan) OptsOut(i int) bool { return p.OptOutEvery > 0 && i%p.OptOutEvery == 3%p.OptOutEvery }

// Address is customer c's address on channel, as events write it.
func Address(channel string, c int) string {
	if channel == "email" {
		return fmt.Sprintf("soak-%d@example.com", c)
	}
	return fmt.Sprintf("+1555%07d", c)
}

// AddressWrittenAnotherWay is Address as a person might type it: an email
// in capitals, a phone number with spaces.
func AddressWrittenAnotherWay(channel string, c int) string {
	if channel == "email" {
		return strings.ToUpper(Address(channel, c))
	}
	n := fmt.Sprintf("%07d", c)
	return "+1 555 " + n[:3] + " " + n[3:]
}

// CustomerID is customer c's id.
func CustomerID(c int) string { return fmt.Sprintf("SOAK-C-%d", c) }

// Quiet is the soak's quiet hours: on each channel one span of the soak
// in which nothing may be sent on it, written as the contact policy's
// window (open from the span's end to its start, across midnight) in Zone.
type Quiet struct {
	Spans map[string]Window
}

// Quiet places each channel's quiet span in a soak that starts at start
// and sends for sendFor: SMS from the first whole minute after 30 % of it,
// email after 60 %, each QuietFor long in whole minutes.
func (p Plan) Quiet(start time.Time, sendFor time.Duration) Quiet {
	q := Quiet{Spans: map[string]Window{}}
	if p.QuietFor <= 0 {
		return q
	}
	length := max(p.QuietFor.Round(time.Minute), time.Minute)
	for channel, at := range map[string]float64{"sms": 0.3, "email": 0.6} {
		from := start.Add(time.Duration(at * float64(sendFor))).Truncate(time.Minute).Add(time.Minute)
		q.Spans[channel] = Window{From: from, To: from.Add(length)}
	}
	return q
}

// Forbids reports whether a send on channel decided at t falls in the
// channel's quiet span.
func (q Quiet) Forbids(channel string, t time.Time) bool {
	w, ok := q.Spans[channel]
	return ok && !t.Before(w.From) && t.Before(w.To)
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

// Vary gives event i (see loadgen.Events.Vary) its customer (Customer),
// in Zone, and the disposition of its entry.
func (p Plan) Vary(i int, ev *interaction.Event) {
	ev.Service = Service
	ev.Disposition = EmailDisposition
	if p.Channel(i) == "sms" {
		ev.Disposition = SMSDisposition
	}
	ev.Case = nil // a case disposition would match nothing, but keep the event plain
	c := p.Customer(i)
	ev.Customer = &interaction.Customer{
		ID:        CustomerID(c),
		FirstName: "Soak",
		LastName:  fmt.Sprintf("Customer %d", c),
		Email:     Address("email", c),
		Phone:     Address("sms", c),
		TimeZone:  Zone,
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

// Policy is the contact policy the soak applies: each channel's quiet
// hours as q places them (any hour where it places none), the plan's daily
// cap, no survey grace.
func (p Plan) Policy(q Quiet) map[string]any {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		loc = time.UTC
	}
	quiet := map[string]any{"sms": nil, "email": nil}
	for channel, w := range q.Spans {
		quiet[channel] = map[string]any{"start": w.To.In(loc).Format("15:04"), "end": w.From.In(loc).Format("15:04")}
	}
	doc := map[string]any{"time_zone": Zone, "quiet_hours": quiet, "survey_grace": "0"}
	if p.DailyCap > 0 {
		doc["max_per_day"] = map[string]any{"sms": p.DailyCap, "email": p.DailyCap}
	}
	return doc
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

// Sender is the soak's EMAIL_FROM, whose domain every Message-ID carries.
const Sender = "soak@example.com"

// MessageID is the Message-ID ccflow gives the email with key.
func MessageID(key string) string { return activities.MessageID(key, Sender) }
