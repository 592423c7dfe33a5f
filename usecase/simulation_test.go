//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/simulate"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// The equivalence of a simulation and a real run: each test below runs an
// event for real (the starter's ingest, a worker with the real activities
// sending through SMTP and the Twilio-shaped server on loopback, the
// Temporal dev server) and simulates the same event, then compares the
// two timelines step by step: the kinds, the step ids, the reasons, and
// the times from the start (the real run's within realSlack, as a real
// worker takes a moment to act).

// realSlack is how far a real run's step may be from the simulated one.
const realSlack = 2 * time.Second

// clock is the real activities' clock: the real time shifted to the
// moment a test chooses, so the contact policy decides at that local time
// whenever the test runs. The simulation starts at the same moment.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// startAt makes now read at from this instant.
func (c *clock) startAt(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(at)
}

// realSystem is ccflow minus its HTTP API: ingest, and a worker with the
// real activities, whose email and SMS go to servers on loopback.
type realSystem struct {
	fixture
	smtp   *testenv.SMTP
	twilio *testenv.TwilioServer
	clock  *clock
	signer *tokens.Signer
}

func newRealSystem(t *testing.T) *realSystem {
	t.Helper()
	f := newFixture(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	f.svc.Log = log
	s := &realSystem{fixture: f, smtp: testenv.SMTPServer(t), twilio: testenv.Twilio(t), clock: &clock{},
		signer: tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef"))}
	f.svc.Signer = s.signer
	f.svc.Simulation = usecase.SimulationSettings{PublicURL: "https://ccflow.example.com"}
	mailer, err := smtp.New(s.smtp.URL())
	require.NoError(t, err)
	w := worker.New(f.temporal, f.svc.TaskQueue, worker.Options{})
	workflows.Register(w)
	activities.Register(w, &activities.Activities{
		Store: f.store, Mailer: mailer, Signer: s.signer, PublicURL: "https://ccflow.example.com", From: "care@example.com",
		SMS: twilio.New(twilio.Config{AccountSID: s.twilio.AccountSID, AuthToken: s.twilio.AuthToken, From: "+15550001111",
			BaseURL: s.twilio.URL}),
		HTTP: httpcall.New(netguard.New(), connections.Set{}), Log: log, Now: s.clock.now,
	})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return s
}

// customerOwnEvent is an event of a customer with a number and an address
// of this test's own.
func customerOwnEvent() interaction.Event {
	ev := event("Problem solved")
	ev.Customer = &interaction.Customer{ID: "C-" + ev.InteractionID, FirstName: "Ada", Email: strings.ToLower(ev.InteractionID) + "@example.com",
		Phone: "+1555" + fmt.Sprintf("%07d", time.Now().UnixNano()%10_000_000), TimeZone: "America/New_York"}
	return ev
}

// comparable is a timeline step as the comparison sees it.
type comparable struct {
	After  time.Duration
	StepID string
	Kind   string
	Reason string
}

func (c comparable) String() string {
	return fmt.Sprintf("+%s %s %s %q", c.After.Round(100*time.Millisecond), c.StepID, c.Kind, c.Reason)
}

// realTimeline runs ev for real and returns its timeline from its start,
// once the run has ended; meanwhile, while it runs, act may act as the
// customer does.
func (s *realSystem) realTimeline(t *testing.T, ev interaction.Event, act func(workflowID string)) ([]comparable, time.Time) {
	t.Helper()
	ctx := context.Background()
	res, err := s.svc.Ingest(ctx, ev, false)
	require.NoError(t, err)
	require.Len(t, res.Matches, 1)
	s.terminateAtCleanup(t, res)
	id := res.Matches[0].WorkflowID
	desc, err := s.temporal.DescribeWorkflow(ctx, id, "")
	require.NoError(t, err)
	start := desc.WorkflowStartTime
	if act != nil {
		act(id)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_ = s.temporal.GetWorkflow(waitCtx, id, "").Get(waitCtx, nil) // a failed run has its timeline too
	v, err := s.temporal.QueryWorkflow(ctx, id, "", workflows.TimelineQuery)
	require.NoError(t, err)
	var tl workflows.Timeline
	require.NoError(t, v.Get(&tl))
	require.NotNil(t, tl.Ended, "the real run ended")
	out := make([]comparable, len(tl.Entries))
	for i, e := range tl.Entries {
		out[i] = comparable{After: e.At.Sub(start), StepID: e.StepID, Kind: e.Kind, Reason: e.Reason}
	}
	return out, start
}

// simulatedTimeline simulates ev through entryID at the moment now.
func (s *realSystem) simulatedTimeline(t *testing.T, entryID string, ev interaction.Event, now time.Time, answer *usecase.SimulatedAnswer) []comparable {
	t.Helper()
	sim, err := s.svc.Simulate(context.Background(), usecase.SimulationRequest{EntryID: entryID, Event: &ev, Now: &now, Answer: answer})
	require.NoError(t, err)
	require.Equal(t, usecase.SimulationDone, sim.Status)
	require.Len(t, sim.Result.Runs, 1)
	run := sim.Result.Runs[0]
	out := make([]comparable, len(run.Timeline))
	for i, st := range run.Timeline {
		out[i] = comparable{After: st.At.Sub(run.StartedAt), StepID: st.StepID, Kind: st.Kind, Reason: st.Reason}
	}
	return out
}

// requireSameTimeline compares the simulated timeline with the real one,
// step by step.
func requireSameTimeline(t *testing.T, simulated, real []comparable) {
	t.Helper()
	require.Len(t, real, len(simulated), "simulated %v\nreal      %v", simulated, real)
	for i := range simulated {
		s, r := simulated[i], real[i]
		require.Equal(t, []string{s.StepID, s.Kind, s.Reason}, []string{r.StepID, r.Kind, r.Reason},
			"step %d: simulated %v, real %v", i, simulated, real)
		require.InDelta(t, s.After.Seconds(), r.After.Seconds(), realSlack.Seconds(),
			"step %d comes at +%s simulated, +%s real", i, s.After, r.After)
	}
}

// entry saves an entry of id whose steps are the JSON steps, triggered
// by the events here.
func (s *realSystem) entry(t *testing.T, id, steps string) {
	t.Helper()
	_, err := s.svc.CreateEntry(context.Background(), entryOf(t, id, steps))
	require.NoError(t, err)
}

// entryOf is an entry of id whose steps are the JSON steps, triggered by
// the events here, as the entry API decodes it.
func entryOf(t *testing.T, id, steps string) entry.Entry {
	t.Helper()
	e, err := entry.Decode([]byte(`{"id": "` + id + `", "name": "` + id + `", "steps": ` + steps + `,
		"triggers": [{"type": "disposition", "disposition": "Problem solved"}]}`))
	require.NoError(t, err)
	return e
}

// newYork is the example customer's zone.
var newYork, _ = time.LoadLocation("America/New_York")

func TestASimulatedQuietHoursHoldIsTheRealOne(t *testing.T) {
	t.Parallel()
	s := newRealSystem(t)
	s.entry(t, "late-text", `[{"id": "text", "type": "send_sms", "text": "Hello $(customer.first_name)"}]`)
	// Three seconds before the SMS window opens, at 08:00 in New York.
	before := time.Date(2026, 11, 23, 7, 59, 57, 0, newYork)
	s.clock.startAt(before)
	ev := customerOwnEvent()

	real, start := s.realTimeline(t, ev, nil)
	simulated := s.simulatedTimeline(t, "late-text", ev, s.clockAt(start), nil)

	require.Equal(t, workflows.TimelineHeld, simulated[0].Kind)
	require.Equal(t, "quiet hours until 2026-11-23 08:00 America/New_York", simulated[0].Reason)
	require.Equal(t, workflows.TimelineSent, simulated[1].Kind)
	requireSameTimeline(t, simulated, real)
	require.Len(t, s.twilio.Messages(), 1, "the real run texted once, the simulation never")
}

// clockAt is what the activities' clock read at the real instant at.
func (s *realSystem) clockAt(at time.Time) time.Time {
	s.clock.mu.Lock()
	defer s.clock.mu.Unlock()
	return at.Add(s.clock.offset)
}

func TestASimulatedOptOutIsTheRealOne(t *testing.T) {
	t.Parallel()
	s := newRealSystem(t)
	s.entry(t, "opted-out", `[{"id": "text", "type": "send_sms", "text": "Hello"},
		{"id": "mail", "type": "send_email", "subject": "Hello", "text": "Hello $(customer.first_name)"}]`)
	s.clock.startAt(time.Date(2026, 11, 23, 12, 0, 0, 0, newYork))
	ev := customerOwnEvent()
	_, _, err := s.svc.AddSuppression(context.Background(), usecase.SuppressionRequest{Channel: "sms", Address: ev.Customer.Phone, Reason: "asked"},
		usecase.SuppressionFromAPI)
	require.NoError(t, err)

	real, start := s.realTimeline(t, ev, nil)
	simulated := s.simulatedTimeline(t, "opted-out", ev, s.clockAt(start), nil)

	require.Equal(t, comparable{0, "text", workflows.TimelineSkipped, "opted out"}, simulated[0])
	requireSameTimeline(t, simulated, real)
	require.Empty(t, s.twilio.Messages())
	require.Len(t, s.smtp.Messages(), 1)
}

func TestASimulatedCapIsTheRealOne(t *testing.T) {
	t.Parallel()
	s := newRealSystem(t)
	_, err := s.store.SavePolicy(context.Background(), policy.Policy{MaxPerDay: map[string]int{"sms": 1}})
	require.NoError(t, err)
	s.entry(t, "two-texts", `[{"id": "first", "type": "send_sms", "text": "One"}, {"id": "pause", "type": "wait", "duration": "2s"},
		{"id": "second", "type": "send_sms", "text": "Two"}]`)
	s.clock.startAt(time.Date(2026, 11, 23, 12, 0, 0, 0, newYork))
	ev := customerOwnEvent()

	real, start := s.realTimeline(t, ev, nil)
	// Simulated after the real run: its sends are in the store, and the
	// simulated run, which stands for it, does not count them.
	simulated := s.simulatedTimeline(t, "two-texts", ev, s.clockAt(start), nil)

	require.Equal(t, comparable{2 * time.Second, "second", workflows.TimelineSkipped, "daily cap 1 reached"}, simulated[2])
	requireSameTimeline(t, simulated, real)
}

// surveyThenApology is a survey by email that apologizes by SMS for a low
// score and thanks by SMS otherwise.
func surveyThenApology(t *testing.T, wait string) entry.Entry {
	return entryOf(t, "survey-"+wait, `[
		{"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?", "subject": "How did we do?",
		 "text": "Tell us: $(survey.url)", "wait": "`+wait+`"},
		{"id": "check", "type": "if", "condition": "survey.answered && survey.score <= 2",
		 "then": [{"id": "apology", "type": "send_sms", "text": "We are sorry, $(customer.first_name)."}],
		 "else": [{"id": "after", "type": "send_sms", "text": "Thank you, $(customer.first_name)."}]}]`)
}

func TestASimulatedLowAnswerTakesTheRealApology(t *testing.T) {
	t.Parallel()
	s := newRealSystem(t)
	_, err := s.svc.CreateEntry(context.Background(), surveyThenApology(t, "1m"))
	require.NoError(t, err)
	s.clock.startAt(time.Date(2026, 11, 23, 12, 0, 0, 0, newYork))
	ev := customerOwnEvent()
	const after = 3 * time.Second

	real, start := s.realTimeline(t, ev, func(string) {
		// The customer opens the email and answers 2, three seconds
		// after it went.
		msg := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
		sentAt := time.Now()
		_, link, ok := strings.Cut(msg.Text, "/s/")
		require.True(t, ok, msg.Text)
		token := strings.Fields(link)[0]
		time.Sleep(time.Until(sentAt.Add(after)))
		_, err := s.svc.AnswerSurvey(context.Background(), token, workflows.SurveyAnswer{Score: 2})
		require.NoError(t, err)
	})
	simulated := s.simulatedTimeline(t, "survey-1m", ev, s.clockAt(start), &usecase.SimulatedAnswer{Score: 2, After: after})

	require.Equal(t, []string{"sent", "waited", "event", "branch", "sent"}, kinds(simulated))
	require.Equal(t, "survey answered: 2", simulated[2].Reason)
	require.Equal(t, "apology", simulated[4].StepID)
	requireSameTimeline(t, simulated, real)
}

func TestASimulatedUnansweredSurveyIsTheRealOne(t *testing.T) {
	t.Parallel()
	s := newRealSystem(t)
	_, err := s.svc.CreateEntry(context.Background(), surveyThenApology(t, "3s"))
	require.NoError(t, err)
	s.clock.startAt(time.Date(2026, 11, 23, 12, 0, 0, 0, newYork))
	ev := customerOwnEvent()

	real, start := s.realTimeline(t, ev, nil)
	simulated := s.simulatedTimeline(t, "survey-3s", ev, s.clockAt(start), nil)

	require.Equal(t, comparable{3 * time.Second, "survey", workflows.TimelineEvent, "survey not answered within 3s"}, simulated[2])
	require.Equal(t, "after", simulated[4].StepID)
	requireSameTimeline(t, simulated, real)
}

func kinds(list []comparable) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.Kind
	}
	return out
}

// A simulation sends nothing: no email reaches the SMTP server, no SMS the
// Twilio-shaped server, no request the CRM; it writes no delivery,
// survey, answer or run, and starts nothing in Temporal's namespace; the
// worker polling the namespace with the real providers sees no task.
func TestASimulationSendsWritesAndStartsNothing(t *testing.T) {
	t.Parallel()
	s := newRealSystem(t)
	var crmCalls atomic.Int64
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		crmCalls.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(crm.Close)
	e := entryOf(t, "everything", `[
		{"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?", "subject": "How did we do?",
		 "text": "Tell us: $(survey.url)", "wait": "1d"},
		{"id": "check", "type": "if", "condition": "survey.answered && survey.score <= 2", "then": [
			{"id": "apology", "type": "send_email", "subject": "Sorry", "text": "Sorry, $(customer.first_name)"},
			{"id": "crm", "type": "http_request", "method": "POST", "url": "`+crm.URL+`/callbacks", "body": "{\"customer\": \"$(customer.id)\"}"}]},
		{"id": "later", "type": "wait_until", "time": "10:00"},
		{"id": "thanks", "type": "send_sms", "text": "Thanks", "fallback": [{"id": "mail", "type": "send_email", "subject": "Thanks", "text": "Thanks"}]}]`)
	_, err := s.svc.CreateEntry(context.Background(), e)
	require.NoError(t, err)
	ev := customerOwnEvent()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, newYork)

	sim, err := s.svc.Simulate(context.Background(), usecase.SimulationRequest{EntryID: e.ID, Event: &ev, Now: &now,
		Answer: &usecase.SimulatedAnswer{Score: 1, After: time.Hour}, Undelivered: true})

	require.NoError(t, err)
	run := sim.Result.Runs[0]
	var sent []string
	for _, st := range run.Timeline {
		if st.Kind == simulate.KindSent {
			sent = append(sent, st.StepID)
		}
	}
	require.Equal(t, []string{"survey", "apology", "crm", "thanks", "mail"}, sent, "the simulation went through every send: %+v", run.Timeline)
	time.Sleep(time.Second) // anything sent would have arrived by now
	require.Empty(t, s.smtp.Messages(), "no email reached the SMTP server")
	require.Empty(t, s.twilio.Messages(), "no SMS reached the Twilio-shaped server")
	require.Zero(t, crmCalls.Load(), "no request reached the CRM")
	for _, table := range []string{"deliveries", "surveys", "survey_answers", "runs", "sms_statuses", "webhook_events"} {
		var n int
		require.NoError(t, s.store.DB().Get(&n, `SELECT count(*) FROM `+table))
		require.Zero(t, n, "rows in %s", table)
	}
	_, err = s.temporal.DescribeWorkflow(context.Background(), run.WorkflowID, "")
	var notFound *serviceerror.NotFound
	require.True(t, errors.As(err, &notFound), "nothing started in the namespace: %v", err)
}

// With payload keys, the interactions ingest keeps for simulations are
// sealed as histories are: nothing of the customer reads in clear in the
// store, and a simulation opens them.
func TestKeptInteractionsAreSealedWithThePayloadKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	keys := testenv.PayloadKeys(t)
	if keys == nil {
		t.Fatal("CCFLOW_PAYLOAD_KEYS is none: this test needs payload keys")
	}
	f.svc.PayloadConverter = keys.DataConverter()
	ctx := context.Background()
	ev := customerOwnEvent()
	ev.Customer.FirstName, ev.Customer.LastName = "Augusta", "Byron-King"
	ended := time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)
	ev.EndedAt = &ended
	_, err := f.svc.Ingest(ctx, ev, false) // matches no entry: starts nothing
	require.NoError(t, err)

	var sealed []byte
	require.NoError(t, f.store.DB().Get(&sealed, `SELECT event FROM recorded_interactions WHERE interaction_id = $1`, ev.InteractionID))
	for _, clear := range []string{ev.Customer.Email, ev.Customer.Phone, "Augusta", "Byron-King"} {
		require.NotContains(t, string(sealed), clear)
	}
	draft := surveyThenApology(t, "1d")
	period := &usecase.SimulationPeriod{From: ended.Add(-time.Hour), To: ended.Add(time.Hour)}
	sim, err := f.svc.Simulate(ctx, usecase.SimulationRequest{Entry: &draft, Recorded: period})
	require.NoError(t, err)
	require.Equal(t, usecase.SimulationDone, sim.Status)
	require.Len(t, sim.Result.Runs, 1)
	last := sim.Result.Runs[0].Timeline[len(sim.Result.Runs[0].Timeline)-1]
	require.Equal(t, "Thank you, Augusta.", last.Preview, "the simulation opened the sealed event")

	keyless := &usecase.Service{Store: f.store, Temporal: f.temporal, TaskQueue: f.svc.TaskQueue}
	_, err = keyless.Simulate(ctx, usecase.SimulationRequest{Entry: &draft, Recorded: period})
	require.ErrorContains(t, err, "payload keys", "a starter without the keys cannot open them, and says why")
}
