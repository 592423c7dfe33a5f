package simulate_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/simulate"
	"github.com/ccflow/ccflow/workflows"
)

// noon is when the example interaction ends: noon in New York, inside
// every default window.
var noon = time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)

var keys = linkkeys.Must([]byte("simulation-test-link-secret-0123456789"))

// history is an in-memory store: the facts a simulation reads, and how
// often it asked.
type history struct {
	mu    sync.Mutex
	facts simulate.Facts
	calls int
}

func (h *history) ContactFacts(_ context.Context, q simulate.FactsQuery) (simulate.Facts, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	var out simulate.Facts
	for _, o := range h.facts.OptOuts {
		if contains(q.AddressHashes, o.AddressHash) {
			out.OptOuts = append(out.OptOuts, o)
		}
	}
	for _, s := range h.facts.Sends {
		if contains(q.CustomerKeys, s.CustomerKey) && s.At.After(q.Since) {
			out.Sends = append(out.Sends, s)
		}
	}
	for _, i := range h.facts.Interactions {
		if contains(q.CustomerIDs, i.CustomerID) {
			out.Interactions = append(out.Interactions, i)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (h *history) optOut(channel, address string) {
	n, err := policy.NormalizeAddress(channel, address)
	if err != nil {
		panic(err)
	}
	h.facts.OptOuts = append(h.facts.OptOuts, simulate.OptOut{Channel: channel, AddressHash: keys.Addresses.Hash(n)})
}

func engine(h simulate.History) *simulate.Engine {
	return simulate.New(simulate.Config{History: h, Addresses: keys.Addresses, PublicURL: "https://ccflow.example.com"})
}

// draft decodes and validates an entry as the entry API does.
func draft(t *testing.T, def string) entry.Entry {
	t.Helper()
	e, err := entry.Decode([]byte(def))
	require.NoError(t, err)
	entry.Normalize(&e)
	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
	return e
}

// event is SPEC's example event, as interaction id.
func event(id string) interaction.Event {
	return interaction.Event{InteractionID: id, Service: "Billing Support", Channel: "voice", Disposition: "Problem solved",
		Agent: &interaction.Agent{ID: "A-7", Name: "Sam"},
		Customer: &interaction.Customer{ID: "C-77", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
			Phone: "+15551234567", TimeZone: "America/New_York", Language: "en"},
		Variables: map[string]any{"order_id": "A-17"}}
}

func simulateOne(t *testing.T, h simulate.History, e entry.Entry, p policy.Policy, c simulate.Customer, at time.Time) simulate.Run {
	t.Helper()
	res, err := engine(h).Simulate(context.Background(), simulate.Input{Entry: e, Policy: p, Customer: c,
		Events: simulate.List([]simulate.Event{{Event: event("INT-1001"), At: at}})})
	require.NoError(t, err)
	require.Len(t, res.Runs, 1)
	return res.Runs[0]
}

// line is a timeline step without what varies: its time as an offset
// from the run's start.
type line struct {
	After  time.Duration
	StepID string
	Kind   string
	Reason string
}

func lines(r simulate.Run) []line {
	out := make([]line, len(r.Timeline))
	for i, s := range r.Timeline {
		out[i] = line{s.At.Sub(r.StartedAt), s.StepID, s.Kind, s.Reason}
	}
	return out
}

const surveyEntry = `{"name": "Post-call survey", "service": "Billing Support",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [
    {"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do, $(customer.first_name)?",
     "subject": "How did we do?", "text": "Hello $(customer.first_name), tell us: $(survey.url)", "wait": "2d"},
    {"id": "check", "type": "if", "condition": "survey.answered && survey.score <= 2",
     "then": [{"id": "apology", "type": "send_email", "subject": "We are sorry, $(customer.first_name)",
               "text": "About order $(order_id): we will call you."}],
     "else": [{"id": "pause", "type": "wait", "duration": "5d"},
              {"id": "thanks", "type": "send_sms", "text": "Thanks for your time, $(customer.first_name)!"}]}
  ]}`

func TestALowAnswerTakesTheApologyBranch(t *testing.T) {
	e := draft(t, surveyEntry)

	run := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{Answer: &simulate.Answer{Score: 2, After: 3 * time.Hour}}, noon)

	require.Equal(t, []line{
		{0, "survey", simulate.KindSent, ""},
		{0, "survey", simulate.KindWaited, "up to 2d for the survey's answer"},
		{3 * time.Hour, "survey", simulate.KindEvent, "survey answered: 2"},
		{3 * time.Hour, "check", simulate.KindBranch, "then (survey.answered && survey.score <= 2 holds)"},
		{3 * time.Hour, "apology", simulate.KindSent, ""},
	}, lines(run))
	// The text as the customer reads it (and, where the run adds them, the
	// rating links after it).
	require.True(t, strings.HasPrefix(run.Timeline[0].Preview, "Subject: How did we do?\n\nHello Ada, tell us: https://ccflow.example.com/s/simulated"),
		run.Timeline[0].Preview)
	require.Equal(t, "ada@example.com", run.Timeline[0].To)
	require.Equal(t, "email", run.Timeline[0].Channel)
	require.Equal(t, "Subject: We are sorry, Ada\n\nAbout order A-17: we will call you.", run.Timeline[4].Preview)
	require.Equal(t, simulate.Ended{At: noon.Add(3 * time.Hour), Status: workflows.StatusCompleted}, run.Ended)
	require.Equal(t, "post-call-survey/INT-1001", run.WorkflowID)
}

func TestAWeekLongScenarioWithAnUnansweredSurvey(t *testing.T) {
	e := draft(t, surveyEntry)

	run := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{}, noon)

	require.Equal(t, []line{
		{0, "survey", simulate.KindSent, ""},
		{0, "survey", simulate.KindWaited, "up to 2d for the survey's answer"},
		{48 * time.Hour, "survey", simulate.KindEvent, "survey not answered within 2d"},
		{48 * time.Hour, "check", simulate.KindBranch, "else (survey.answered && survey.score <= 2 does not hold)"},
		{48 * time.Hour, "pause", simulate.KindWaited, "5d"},
		{7 * 24 * time.Hour, "thanks", simulate.KindSent, ""},
	}, lines(run))
	require.Equal(t, "Thanks for your time, Ada!", run.Timeline[5].Preview)
	require.Equal(t, "+15551234567", run.Timeline[5].To)
	require.Equal(t, noon.Add(7*24*time.Hour), run.Ended.At)
}

func TestAnSMSOutsideQuietHoursIsHeldUntilTheWindowOpens(t *testing.T) {
	e := draft(t, `{"name": "Text", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "text", "type": "send_sms", "text": "Hi $(customer.first_name)"}]}`)
	late := time.Date(2026, 11, 24, 3, 30, 0, 0, time.UTC) // 22:30 in New York

	run := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{}, late)

	opens := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC) // 08:00 in New York
	require.Equal(t, []line{
		{0, "text", simulate.KindHeld, "quiet hours until 2026-11-24 08:00 America/New_York"},
		{opens.Sub(late), "text", simulate.KindSent, ""},
	}, lines(run))
	require.Equal(t, "Hi Ada", run.Timeline[0].Preview, "a held message shows what will go")
}

func TestAnOptedOutAddressIsSkippedAndTheFallbackRuns(t *testing.T) {
	h := &history{}
	h.optOut("sms", "+1 555 123 4567")
	e := draft(t, `{"name": "Text", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "text", "type": "send_sms", "text": "Hi", "fallback": [
	    {"id": "mail", "type": "send_email", "subject": "Hi", "text": "We could not text you: $(message.fallback)"}]}]}`)

	run := simulateOne(t, h, e, policy.Default(), simulate.Customer{}, noon)

	require.Equal(t, []line{
		{0, "text", simulate.KindSkipped, "opted out"},
		{0, "text", simulate.KindFallback, "opted out"},
		{0, "mail", simulate.KindSent, ""},
	}, lines(run))
	require.Equal(t, "Subject: Hi\n\nWe could not text you: opted out", run.Timeline[2].Preview)
}

func TestAnUndeliveredSMSRunsItsFallbackWhenTheStatusComes(t *testing.T) {
	e := draft(t, `{"name": "Text", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "text", "type": "send_sms", "text": "Hi", "fallback_after": "10m", "fallback": [
	    {"id": "mail", "type": "send_email", "subject": "Hi", "text": "Texting failed: $(message.fallback)"}]}]}`)

	undelivered := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{Undelivered: true}, noon)
	delivered := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{}, noon)

	require.Equal(t, []line{
		{0, "text", simulate.KindSent, ""},
		{0, "text", simulate.KindWaited, "up to 10m for the SMS's delivery status"},
		{30 * time.Second, "text", simulate.KindEvent, "delivery status: undelivered 30003"},
		{30 * time.Second, "text", simulate.KindFallback, "undelivered 30003"},
		{30 * time.Second, "mail", simulate.KindSent, ""},
	}, lines(undelivered))
	require.Equal(t, []line{
		{0, "text", simulate.KindSent, ""},
		{0, "text", simulate.KindWaited, "up to 10m for the SMS's delivery status"},
		{30 * time.Second, "text", simulate.KindEvent, "delivery status: delivered"},
	}, lines(delivered))
}

func TestTheCapCountsTheStoresSendsAndTheSimulationsOwn(t *testing.T) {
	e := draft(t, `{"name": "Two texts", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "one", "type": "send_sms", "text": "One"}, {"id": "two", "type": "send_sms", "text": "Two"}]}`)
	p := policy.Default()
	p.MaxPerDay = map[string]int{"sms": 1}

	alone := simulateOne(t, &history{}, e, p, simulate.Customer{}, noon)
	h := &history{facts: simulate.Facts{Sends: []simulate.Sent{
		{Key: "other/INT-9/x", WorkflowID: "other/INT-9", CustomerKey: "C-77", Channel: "sms", At: noon.Add(-time.Hour)},
		// The real run of this interaction: the simulated one stands for
		// it, so its sends do not count.
		{Key: "two-texts/INT-1001/one", WorkflowID: "two-texts/INT-1001", CustomerKey: "C-77", Channel: "sms", At: noon.Add(-time.Minute)},
	}}}
	texted := simulateOne(t, h, e, p, simulate.Customer{}, noon)

	require.Equal(t, []line{{0, "one", simulate.KindSent, ""}, {0, "two", simulate.KindSkipped, "daily cap 1 reached"}}, lines(alone))
	require.Equal(t, []line{{0, "one", simulate.KindSkipped, "daily cap 1 reached"}, {0, "two", simulate.KindSkipped, "daily cap 1 reached"}},
		lines(texted))
}

func TestARequestIsRecordedNotMade(t *testing.T) {
	e := draft(t, `{"name": "CRM", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "crm", "type": "http_request", "method": "POST", "url": "https://crm.invalid/customers/$(customer.id)",
	             "body": "{\"order\": \"$(order_id)\"}", "save_as": "reply"},
	            {"id": "check", "type": "if", "condition": "reply.status == 200", "then": [{"id": "ok", "type": "set_variable", "name": "x", "value": "1"}]}]}`)

	run := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{}, noon)

	require.Equal(t, []line{
		{0, "crm", simulate.KindSent, "answered 200"},
		{0, "check", simulate.KindBranch, "then (reply.status == 200 holds)"},
	}, lines(run))
	require.Equal(t, "POST https://crm.invalid/customers/C-77", run.Timeline[0].To)
	require.Contains(t, run.Timeline[0].Preview, `{"order": "A-17"}`)
	require.Contains(t, run.Timeline[0].Preview, "not made in a simulation")
}

func TestANewInteractionOfTheCustomerEndsTheRun(t *testing.T) {
	e := draft(t, `{"name": "Later", "cancel_on_new_interaction": true, "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "pause", "type": "wait", "duration": "1d"}, {"id": "text", "type": "send_sms", "text": "Hi"}]}`)
	first, second := event("INT-1"), event("INT-2")
	second.Disposition = "Spam" // matches nothing, and still ends the first run

	res, err := engine(&history{}).Simulate(context.Background(), simulate.Input{Entry: e, Policy: policy.Default(),
		Events: simulate.List([]simulate.Event{{Event: second, At: noon.Add(3 * time.Hour)}, {Event: first, At: noon}})})

	require.NoError(t, err)
	require.Len(t, res.Runs, 1)
	require.Equal(t, []line{{0, "pause", simulate.KindWaited, "1d"}}, lines(res.Runs[0]))
	require.Equal(t, simulate.Ended{At: noon.Add(3 * time.Hour), Status: workflows.StatusCompleted, Reason: "customer contacted again (INT-2)"},
		res.Runs[0].Ended)
	require.Equal(t, 2, res.Totals.Events)
	require.Equal(t, 1, res.Totals.Matched)
	require.InDelta(t, 0.5, res.Totals.MatchShare, 1e-9)
}

func TestTotalsCountEachDayAndChannel(t *testing.T) {
	e := draft(t, surveyEntry)
	var events []simulate.Event
	for i := range 30 {
		ev := event(fmt.Sprintf("INT-%d", i))
		ev.Customer.ID = fmt.Sprintf("C-%d", i)
		ev.Customer.Email = fmt.Sprintf("c%d@example.com", i)
		ev.Customer.Phone = fmt.Sprintf("+1555000%04d", i)
		if i%3 == 0 {
			ev.Disposition = "Spam"
		}
		events = append(events, simulate.Event{Event: ev, At: noon.Add(time.Duration(i) * time.Hour)})
	}
	h := &history{}
	h.optOut("email", "c1@example.com")
	eng := simulate.New(simulate.Config{History: h, Addresses: keys.Addresses, Batch: 8, KeepRuns: 5})
	var progress []int

	res, err := eng.Simulate(context.Background(), simulate.Input{Entry: e, Policy: policy.Default(),
		Events: simulate.List(events), Progress: func(done, total int) { progress = append(progress, done) }})

	require.NoError(t, err)
	tot := res.Totals
	require.Equal(t, 30, tot.Events)
	require.Equal(t, 20, tot.Matched)
	require.InDelta(t, 20.0/30, tot.MatchShare, 1e-9)
	require.Equal(t, 20, tot.Runs)
	require.Len(t, res.Runs, 5)
	require.Equal(t, 15, res.RunsLeftOut)
	require.Equal(t, map[string]int{"completed": 20}, tot.Ended)
	require.Equal(t, simulate.Surveys{Sent: 19, Skipped: 1}, tot.Surveys)
	require.Equal(t, 19+20, tot.Messages.Sent, "a survey (but to the opted-out address) and, unanswered, the thanks SMS to each")
	require.Equal(t, map[string]int{"opted_out": 1}, tot.Messages.Skipped)
	require.Equal(t, "UTC", tot.TimeZone)
	sum := 0
	for _, d := range tot.Days {
		sum += d.Sent
		require.Contains(t, []string{"email", "sms"}, d.Channel)
	}
	require.Equal(t, tot.Messages.Sent, sum)
	require.Equal(t, "2026-11-23", tot.Days[0].Day)
	require.Equal(t, []int{8, 16, 24, 30}, progress)
	require.Equal(t, 4, h.calls, "the store is read once per batch")
}

// A simulation's memory does not grow with its runs: nothing of a run is
// kept once it is simulated but its totals (and the first KeepRuns
// timelines).
func TestMemoryDoesNotGrowWithTheRuns(t *testing.T) {
	e := draft(t, surveyEntry)
	live := func(n int) uint64 {
		var events []simulate.Event
		for i := range n {
			ev := event(fmt.Sprintf("INT-%d", i))
			ev.Customer.ID = fmt.Sprintf("C-%d", i)
			events = append(events, simulate.Event{Event: ev, At: noon.Add(time.Duration(i) * time.Minute)})
		}
		_, err := engine(&history{}).Simulate(context.Background(), simulate.Input{Entry: e, Policy: policy.Default(),
			Customer: simulate.Customer{Answer: &simulate.Answer{Score: 2, After: time.Hour}}, Events: simulate.List(events)})
		require.NoError(t, err)
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	live(300) // warm up
	small := live(300)
	large := live(3000)
	require.Less(t, int64(large)-int64(small), int64(8<<20),
		"live heap after 3,000 runs (%d MB) against 300 (%d MB)", large>>20, small>>20)
}

func TestAnAddressNoProviderTakesFailsTheStep(t *testing.T) {
	e := draft(t, `{"name": "Ops", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [{"id": "ops", "type": "send_email", "to": "$(agent.name)", "subject": "x", "text": "y"}]}`)

	run := simulateOne(t, &history{}, e, policy.Default(), simulate.Customer{}, noon)

	require.Len(t, run.Timeline, 1)
	require.Equal(t, simulate.KindError, run.Timeline[0].Kind)
	require.True(t, strings.Contains(run.Timeline[0].Reason, `"Sam" is not an address the provider takes`), run.Timeline[0].Reason)
	require.Equal(t, workflows.StatusFailed, run.Ended.Status)
}
