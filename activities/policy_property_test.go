package activities_test

// The contact policy's property test: FollowUp and the real send activities
// run in the SDK's time-skipping test environment, against an in-memory
// ledger that decides as the store does, over randomized cases: time zones
// with half- and quarter-hour offsets and daylight-saving changes, start
// times around those changes, waits from 30 seconds to two weeks, opt-outs
// and opt-ins before, during and after waits, transient provider failures
// and their retries, daily caps, survey grace, and new interactions of the
// same customer. Every message that reaches a provider is checked against
// what was true at that instant, worked out independently of the policy
// code: 0 to an opted-out address, 0 outside the recipient's window, 0
// over a cap, 0 inside survey grace, 0 after the customer contacted again.
//
// `go test ./activities` runs CCFLOW_POLICY_CASES cases, 200 by default;
// CCFLOW_POLICY_CASES=10000 runs the full size.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/workflows"
)

const (
	customerEmail = "ada@example.com"
	customerPhone = "+15551234567"
	customerID    = "C-77"
)

func TestTheContactPolicyHoldsWhateverTheTiming(t *testing.T) {
	cases := 200
	if v := os.Getenv("CCFLOW_POLICY_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "CCFLOW_POLICY_CASES must be a number")
		cases = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CCFLOW_POLICY_SEED"); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
	}
	began := time.Now()
	var totals tally
	for i := range cases {
		c := newCase(rand.New(rand.NewPCG(seed, uint64(i))))
		func() {
			// A failed check ends the test inside run; say which case.
			defer func() {
				if t.Failed() {
					t.Logf("case %d failed (CCFLOW_POLICY_SEED=%d): %s", i, seed, c)
				}
			}()
			totals.add(c.run(t))
		}()
	}
	t.Logf("%d cases in %s (seed %d): %d sent, %d held, %d skipped, %d failed attempts retried",
		cases, time.Since(began).Round(time.Millisecond), seed, totals.sent, totals.held, totals.skipped, totals.retried)
}

// A send due at 21:00 in New York, the evening before the clocks go back,
// is held until 08:00 the next morning, and sent then.
func TestASendHeldOverTheDaylightSavingChangeGoesAtEight(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	c := &policyCase{
		start: time.Date(2026, 10, 31, 20, 59, 59, 0, ny), zone: "America/New_York", policy: policy.Default(),
		steps: []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1s"}}, {ID: "sms", Spec: &entry.SendSMS{Text: "Hi"}}},
	}
	got := c.run(t)
	require.Len(t, got.sends, 1)
	require.Equal(t, time.Date(2026, 11, 1, 8, 0, 0, 0, ny).UTC(), got.sends[0].at.UTC())
	require.Equal(t, workflows.SendSent, got.state.Messages[0].Status)
}

func TestASkippedSurveyWaitsForNothing(t *testing.T) {
	c := &policyCase{
		start: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), zone: "UTC", policy: policy.Default(),
		steps:   []entry.Step{{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms", Question: "How did we do?", Text: "$(survey.url)", Wait: "1w"}}},
		optOuts: []optEvent{{after: -time.Minute, channel: "sms", out: true}},
	}
	got := c.run(t)
	require.Empty(t, got.sends)
	require.Equal(t, false, got.state.Variables["survey.answered"])
	require.Equal(t, true, got.state.Variables["survey.skipped"])
	require.Equal(t, "opted out", got.state.Messages[0].Reason)
	require.Less(t, got.ended.Sub(c.start), time.Minute, "the run did not wait a week")
}

func TestANewInteractionEndsTheRunAtOnceCompletedWithItsReason(t *testing.T) {
	c := &policyCase{
		start: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), zone: "UTC", policy: policy.Default(), cancelOnNew: true,
		steps:          []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1w"}}, {ID: "sms", Spec: &entry.SendSMS{Text: "Hi"}}},
		newInteraction: 2 * time.Hour,
	}
	got := c.run(t)
	require.Empty(t, got.sends)
	require.Equal(t, workflows.StatusCompleted, got.state.Status)
	require.Equal(t, "customer contacted again (INT-2)", got.state.Reason)
	require.True(t, c.start.Add(2*time.Hour).Equal(got.ended))
}

// policyCase is one randomized scenario.
type policyCase struct {
	start          time.Time
	zone           string // the customer's; "" has none
	policy         policy.Policy
	entryQuiet     policy.QuietHours
	cancelOnNew    bool
	steps          []entry.Step
	optOuts        []optEvent
	newInteraction time.Duration // after the start; 0 never
	priorSends     []priorSend
	failRate       float64
	rng            *rand.Rand
}

type optEvent struct {
	after   time.Duration
	channel string
	out     bool
}

type priorSend struct {
	ago     time.Duration
	channel string
	survey  bool
}

func (c *policyCase) String() string {
	return fmt.Sprintf("start %s zone %q policy %+v entry quiet %v cancel %v steps %d opt %v new %s prior %v",
		c.start.UTC(), c.zone, c.policy, c.entryQuiet, c.cancelOnNew, len(c.steps), c.optOuts, c.newInteraction, c.priorSends)
}

var propertyZones = []string{"", "UTC", "America/New_York", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
	"Australia/Adelaide", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/London", "America/Santiago"}

func newCase(rng *rand.Rand) *policyCase {
	c := &policyCase{rng: rng, zone: propertyZones[rng.IntN(len(propertyZones))], policy: policy.Default()}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.start = base.Add(time.Duration(rng.Int64N(int64(360 * 24 * time.Hour))))
	if rng.IntN(2) == 0 { // near a daylight-saving change
		changes := []time.Time{time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 4, 15, 30, 0, 0, time.UTC)}
		c.start = changes[rng.IntN(len(changes))].Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 48*time.Hour)
	}
	c.start = c.start.Truncate(time.Second)
	if rng.IntN(2) == 0 {
		c.policy.TimeZone = propertyZones[1+rng.IntN(len(propertyZones)-1)]
	}
	c.policy.QuietHours["sms"] = randomPolicyWindow(rng, 0.2)
	c.policy.QuietHours["email"] = randomPolicyWindow(rng, 0.6)
	if rng.IntN(4) == 0 {
		c.entryQuiet = policy.QuietHours{"sms": randomPolicyWindow(rng, 0.3)}
	}
	c.policy.SurveyGrace = []string{"0", "0", "1d", "30d"}[rng.IntN(4)]
	c.policy.MaxPerDay = map[string]int{"sms": rng.IntN(4), "email": rng.IntN(3)}
	c.cancelOnNew = rng.IntN(2) == 0
	for i := range 1 + rng.IntN(4) {
		id := fmt.Sprintf("s%d", i)
		switch rng.IntN(4) {
		case 0:
			c.steps = append(c.steps, entry.Step{ID: id, Spec: &entry.Wait{Duration: randomWait(rng)}})
		case 1:
			c.steps = append(c.steps, entry.Step{ID: id, Spec: &entry.SendEmail{Subject: "Hi", Text: "Hello"}})
		case 2:
			c.steps = append(c.steps, entry.Step{ID: id, Spec: &entry.SendSMS{Text: "Hello"}})
		default:
			ch := []string{"email", "sms"}[rng.IntN(2)]
			s := &entry.SendSurvey{Channel: ch, Question: "How did we do?", Text: "Tell us: $(survey.url)", Wait: randomWait(rng)}
			if ch == "email" {
				s.Subject = "How did we do?"
			}
			c.steps = append(c.steps, entry.Step{ID: id, Spec: s})
		}
	}
	for range rng.IntN(4) {
		c.optOuts = append(c.optOuts, optEvent{after: time.Duration(rng.Int64N(int64(21*24*time.Hour))) - time.Hour + time.Duration(rng.IntN(1000))*time.Millisecond + 7*time.Millisecond,
			channel: []string{"email", "sms"}[rng.IntN(2)], out: rng.IntN(3) > 0})
	}
	if rng.IntN(4) == 0 {
		c.newInteraction = time.Duration(rng.Int64N(int64(14*24*time.Hour))) + 13*time.Millisecond
	}
	for range rng.IntN(4) {
		c.priorSends = append(c.priorSends, priorSend{ago: time.Duration(rng.Int64N(int64(40 * time.Hour))),
			channel: []string{"email", "sms"}[rng.IntN(2)], survey: rng.IntN(3) == 0})
	}
	c.failRate = []float64{0, 0, 0.2, 0.5}[rng.IntN(4)]
	return c
}

func randomPolicyWindow(rng *rand.Rand, anyTime float64) *policy.Window {
	if rng.Float64() < anyTime {
		return nil
	}
	for {
		s, e := rng.IntN(96)*15, rng.IntN(96)*15
		if s != e {
			return &policy.Window{Start: fmt.Sprintf("%02d:%02d", s/60, s%60), End: fmt.Sprintf("%02d:%02d", e/60, e%60)}
		}
	}
}

func randomWait(rng *rand.Rand) string {
	waits := []string{"30s", "45s", "10m", "1h", "3h", "12h", "1d", "1d12h", "3d", "1w", "2w"}
	return waits[rng.IntN(len(waits))]
}

// outcome is what one case did.
type outcome struct {
	state  workflows.State
	sends  []providerSend
	ended  time.Time
	counts tally
}

type tally struct{ sent, held, skipped, retried int }

func (t *tally) add(o outcome) {
	t.sent += len(o.sends)
	t.held += o.counts.held
	t.skipped += o.counts.skipped
	t.retried += o.counts.retried
}

// providerSend is one message a provider took.
type providerSend struct {
	at      time.Time
	channel string
	survey  bool
}

func (c *policyCase) run(t *testing.T) outcome {
	t.Helper()
	if c.rng == nil {
		c.rng = rand.New(rand.NewPCG(1, 2))
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(c.start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "entry/INT-1"})
	env.SetTestTimeout(time.Minute)
	env.RegisterWorkflowWithOptions(workflows.FollowUp, workflowRegisterOptions())

	ledger := newMemLedger(c.policy)
	for i, p := range c.priorSends {
		ledger.addPrior(fmt.Sprintf("prior/%d", i), p.channel, p.survey, c.start.Add(-p.ago))
	}
	// Opt-outs before the start are in place already; later ones come as
	// the clock reaches them, as they would through the API.
	truth := &timeline{}
	for _, o := range c.optOuts {
		at := c.start.Add(o.after)
		truth.add(at, o)
		if o.after <= 0 {
			ledger.setSuppressed(o.channel, o.out)
			continue
		}
		env.RegisterDelayedCallback(func() { ledger.setSuppressed(o.channel, o.out) }, o.after)
	}
	ledger.recordInteraction(customerID, "INT-1", c.start)
	var contactedAt time.Time
	if c.newInteraction > 0 {
		contactedAt = c.start.Add(c.newInteraction)
		env.RegisterDelayedCallback(func() {
			ledger.recordInteraction(customerID, "INT-2", env.Now())
			env.SignalWorkflow(workflows.CustomerContactedAgainSignal, workflows.CustomerContactedAgain{InteractionID: "INT-2"})
		}, c.newInteraction)
	}

	var mu sync.Mutex
	var sends []providerSend
	var counts tally
	failing := 0 // failures in a row: an outage ends within three attempts
	send := func(channel string, survey bool) error {
		mu.Lock()
		defer mu.Unlock()
		if failing < 3 && c.rng.Float64() < c.failRate {
			failing++
			counts.retried++
			return errors.New("connection reset by peer")
		}
		failing = 0
		sends = append(sends, providerSend{at: env.Now(), channel: channel, survey: survey})
		return nil
	}
	acts := &activities.Activities{
		Ledger: ledger,
		Mailer: mailerFunc(func(_ context.Context, m providers.Email) (string, error) {
			return m.MessageID, send("email", m.Subject == "How did we do?")
		}),
		SMS: smsFunc(func(_ context.Context, m providers.SMS) (string, error) {
			return "SM1", send("sms", len(m.Body) > 9 && m.Body[:9] == "Tell us: ")
		}),
		Signer:    tokens.NewSigner([]byte("property test key, 32 bytes long")),
		PublicURL: "https://ccflow.example",
		Now:       env.Now,
		DecisionHook: func(e activities.DecisionEvent) {
			mu.Lock()
			defer mu.Unlock()
			switch e.Outcome {
			case "held":
				counts.held++
			case "skipped":
				counts.skipped++
			}
		},
	}
	activities.Register(env, acts)
	env.OnActivity(workflows.OpenSurveyActivity, anyArg, anyArg).Return(
		func(_ context.Context, in workflows.OpenSurveyInput) (workflows.Survey, error) {
			return workflows.Survey{ID: in.WorkflowID + "/" + in.StepID, URL: "https://ccflow.example/s/x"}, nil
		}).Maybe()
	// The run's record is the store's, which this test does without.
	env.OnActivity(workflows.RecordRunEndActivity, anyArg, anyArg).Return(workflows.RunEndRecorded{}, nil).Maybe()

	in := workflows.FollowUpInput{
		Entry: entry.Entry{ID: "entry", Name: "Entry", Service: "Billing Support", Enabled: true, Version: 1,
			Steps: c.steps, QuietHours: c.entryQuiet, CancelOnNewInteraction: c.cancelOnNew},
		Event: interaction.Event{InteractionID: "INT-1", Service: "Billing Support",
			Customer: &interaction.Customer{ID: customerID, Email: customerEmail, Phone: customerPhone, TimeZone: c.zone}},
	}
	env.ExecuteWorkflow(workflows.FollowUpWorkflow, in)
	require.True(t, env.IsWorkflowCompleted(), "the run ends")
	require.NoError(t, env.GetWorkflowError(), "a held or skipped send is no failure")
	var st workflows.State
	require.NoError(t, env.GetWorkflowResult(&st))
	ended := env.Now()

	// The checks, each worked out without the policy package.
	loc, zoneName := c.oracleZone()
	counted := map[string][]time.Time{}
	var surveys []time.Time
	for _, p := range ledger.priors {
		counted[p.channel] = append(counted[p.channel], p.at)
		if p.survey {
			surveys = append(surveys, p.at)
		}
	}
	grace := map[string]time.Duration{"0": 0, "1d": 24 * time.Hour, "30d": 30 * 24 * time.Hour}[c.policy.SurveyGrace]
	for _, s := range sends {
		require.False(t, truth.optedOut(s.channel, s.at), "a %s went to an opted-out address at %s", s.channel, s.at)
		w := c.policy.QuietHours[s.channel]
		if ew, ok := c.entryQuiet[s.channel]; ok {
			w = ew
		}
		require.True(t, insideWindow(w, s.at.In(loc)), "a %s went at %s in %s, outside %v", s.channel, s.at.In(loc), zoneName, w)
		if limit := c.policy.MaxPerDay[s.channel]; limit > 0 {
			day := s.at.In(loc).Format(time.DateOnly)
			n := 0
			for _, at := range counted[s.channel] {
				if at.In(loc).Format(time.DateOnly) == day && !at.After(s.at) {
					n++
				}
			}
			require.Less(t, n, limit, "a %s at %s went over the daily cap of %d", s.channel, s.at.In(loc), limit)
		}
		if s.survey && grace > 0 {
			for _, at := range surveys {
				require.False(t, s.at.Sub(at) < grace && !at.After(s.at), "a survey at %s inside the grace of one at %s", s.at, at)
			}
		}
		if c.cancelOnNew && !contactedAt.IsZero() {
			require.True(t, s.at.Before(contactedAt), "a %s at %s after the customer contacted again at %s", s.channel, s.at, contactedAt)
		}
		counted[s.channel] = append(counted[s.channel], s.at)
		if s.survey {
			surveys = append(surveys, s.at)
		}
	}
	if c.cancelOnNew && !contactedAt.IsZero() && !ended.Before(contactedAt) {
		require.Equal(t, "customer contacted again (INT-2)", st.Reason)
		require.True(t, contactedAt.Equal(ended), "the run ended the moment the customer contacted again (%s), not %s", contactedAt, ended)
	}
	return outcome{state: st, sends: sends, ended: ended, counts: counts}
}

// oracleZone is the zone of the customer's messages: theirs, else the
// policy's, else UTC (the cases give services no zone and the server none).
func (c *policyCase) oracleZone() (*time.Location, string) {
	for _, name := range []string{c.zone, c.policy.TimeZone} {
		if name != "" {
			loc, _ := time.LoadLocation(name)
			return loc, name
		}
	}
	return time.UTC, "UTC"
}

func insideWindow(w *policy.Window, local time.Time) bool {
	if w == nil {
		return true
	}
	var sh, sm, eh, em int
	_, _ = fmt.Sscanf(w.Start, "%d:%d", &sh, &sm) // checked by the policy's own validation
	_, _ = fmt.Sscanf(w.End, "%d:%d", &eh, &em)
	m, s, e := local.Hour()*60+local.Minute(), sh*60+sm, eh*60+em
	if s < e {
		return m >= s && m < e
	}
	return m >= s || m < e
}

// timeline is the opt-out state of each channel over time.
type timeline struct {
	events []struct {
		at time.Time
		ev optEvent
	}
}

func (tl *timeline) add(at time.Time, ev optEvent) {
	tl.events = append(tl.events, struct {
		at time.Time
		ev optEvent
	}{at, ev})
}

func (tl *timeline) optedOut(channel string, at time.Time) bool {
	out, last := false, time.Time{}
	for _, e := range tl.events {
		if e.ev.channel == channel && !e.at.After(at) && !e.at.Before(last) {
			out, last = e.ev.out, e.at
		}
	}
	return out
}

type mailerFunc func(context.Context, providers.Email) (string, error)

func (f mailerFunc) Send(ctx context.Context, m providers.Email) (string, error) { return f(ctx, m) }

type smsFunc func(context.Context, providers.SMS) (string, error)

func (f smsFunc) Send(ctx context.Context, m providers.SMS) (string, error) { return f(ctx, m) }
