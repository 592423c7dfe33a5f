package activities_test

// The contact policy's property test: FollowUp and the real send activities
// run in the SDK's time-skipping test environment, against an in-memory
// ledger that decides as the store does, over randomized cases: time zones
// with half- and quarter-hour offsets and daylight-saving changes, start
// times around those changes, waits from 30 seconds to two weeks,
// wait_until steps planned by the real PlanWaitUntil activity (local times,
// business days or a few chosen days, at least a wait), opt-outs and
// opt-ins before, during and after waits, transient provider failures and
// their retries, daily caps, rolling caps over windows from a minute to two
// weeks (on one channel or on any), holidays for every service or for one
// (held through with holidays_quiet, always passed over by wait_until),
// survey grace, new interactions of the same customer, two runs of the
// customer at once (two entries matching one event, often with the same
// steps, so their sends race for the same caps at the same instants),
// attempts whose clocks read up to a second ahead of the server's (so a
// decision may come after one stamped later than itself, as in production,
// where each attempt reads its clock before it waits for the customer's
// turn), and workers that die mid-send (right after the decision to send:
// its lease held, nothing sent or recorded, the activity retried as
// Temporal retries it once the attempt is lost).
//
// Safety: every message that reaches a provider is checked against what
// was true at that instant, worked out independently of the policy code: 0
// to an opted-out address, 0 outside the recipient's window, 0 on a holiday
// with holidays_quiet, 0 over a daily cap, 0 over any rolling cap's window,
// 0 inside survey grace, 0 after the customer contacted again. Every
// wait_until ends at the moment worked out here by walking the local clock:
// the first reading of its time, no sooner than its at_least, on one of its
// days and on no holiday of the service.
//
// Liveness: every decision the ledger made is replayed against the same
// independent facts: a send nothing forbade was decided "send", a send
// held or skipped was so for a reason that held then; and every send
// decided "send" last reached its provider exactly once, every held send
// was decided again and went or was skipped, unless its run had ended
// because the customer contacted again.
//
// `go test ./activities` runs CCFLOW_POLICY_CASES cases, 200 by default;
// CCFLOW_POLICY_CASES=10000 runs the full size. CCFLOW_POLICY_SEED gives
// the same cases again, each send with the same failures and deaths, and
// CCFLOW_POLICY_CASE runs one case of them alone. Which of two runs' sends
// due at one instant reaches the ledger first is left to the scheduler,
// as it is left to PostgreSQL's lock in production: every check holds
// either way, and a failure that needs one order shows in a few runs of
// its case with -count.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
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
	first, last := 0, cases
	if v := os.Getenv("CCFLOW_POLICY_CASE"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "CCFLOW_POLICY_CASE must be a number")
		first, last = n, n+1
	}
	began := time.Now()
	var totals tally
	for i := first; i < last; i++ {
		c := newCase(rand.New(rand.NewPCG(seed, uint64(i))))
		func() {
			// A failed check ends the test inside run; say which case.
			defer func() {
				if t.Failed() {
					t.Logf("case %d failed (CCFLOW_POLICY_SEED=%d CCFLOW_POLICY_CASE=%d): %s", i, seed, i, c)
				}
			}()
			totals.add(c.run(t))
		}()
	}
	var codes []string
	for _, code := range slices.Sorted(maps.Keys(totals.codes)) {
		codes = append(codes, fmt.Sprintf("%s %d", code, totals.codes[code]))
	}
	t.Logf("%d cases in %s (seed %d): %d sent, %d held, %d skipped (%s), %d failed attempts retried, %d workers died mid-send, %d waits until planned",
		last-first, time.Since(began).Round(time.Millisecond), seed, totals.sent, totals.held, totals.skipped, strings.Join(codes, ", "),
		totals.retried, totals.died, totals.planned)
}

// A send due at 21:00 in New York, the evening before the clocks go back,
// is held until 08:00 the next morning, and sent then.
func TestASendHeldOverTheDaylightSavingChangeGoesAtEight(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	c := &policyCase{
		start: time.Date(2026, 10, 31, 20, 59, 59, 0, ny), zone: "America/New_York", policy: policy.Default(),
		runs: []runSpec{oneRun(false, step("pause", &entry.Wait{Duration: "1s"}), step("sms", &entry.SendSMS{}))},
	}
	got := c.run(t)
	require.Len(t, got.sends, 1)
	require.Equal(t, time.Date(2026, 11, 1, 8, 0, 0, 0, ny).UTC(), got.sends[0].at.UTC())
	require.Equal(t, workflows.SendSent, got.states[0].Messages[0].Status)
}

func TestASkippedSurveyWaitsForNothing(t *testing.T) {
	c := &policyCase{
		start: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), zone: "UTC", policy: policy.Default(),
		runs:    []runSpec{oneRun(false, step("survey", &entry.SendSurvey{Channel: "sms", Question: entry.Plain("How did we do?"), Wait: "1w"}))},
		optOuts: []optEvent{{after: -time.Minute, channel: "sms", out: true}},
	}
	got := c.run(t)
	require.Empty(t, got.sends)
	require.Equal(t, false, got.states[0].Variables["survey.answered"])
	require.Equal(t, true, got.states[0].Variables["survey.skipped"])
	require.Equal(t, "opted out", got.states[0].Messages[0].Reason)
	require.Less(t, got.ended[0].Sub(c.start), time.Minute, "the run did not wait a week")
}

func TestANewInteractionEndsTheRunAtOnceCompletedWithItsReason(t *testing.T) {
	c := &policyCase{
		start: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), zone: "UTC", policy: policy.Default(),
		runs:           []runSpec{oneRun(true, step("pause", &entry.Wait{Duration: "1w"}), step("sms", &entry.SendSMS{}))},
		newInteraction: 2 * time.Hour,
	}
	got := c.run(t)
	require.Empty(t, got.sends)
	require.Equal(t, workflows.StatusCompleted, got.states[0].Status)
	require.Equal(t, "customer contacted again (INT-2)", got.states[0].Reason)
	require.True(t, c.start.Add(2*time.Hour).Equal(got.ended[0]))
}

// Two runs of one customer send an SMS at the same instant with a daily cap
// of one: one of them is sent and the other skipped, whichever decides
// first; and the worker that decided the first send dies before calling
// Twilio, so that send goes only once its lease has run out, and still
// goes (the cap it holds is its own).
func TestTwoRunsRacingForADailyCapOfOneSendOneAndAWorkerThatDiesDelaysItsSend(t *testing.T) {
	p := policy.Default()
	p.QuietHours["sms"] = nil
	p.MaxPerDay = map[string]int{"sms": 1}
	steps := []entry.Step{step("pause", &entry.Wait{Duration: "1h"}), step("sms", &entry.SendSMS{})}
	died := false
	c := &policyCase{
		start: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), zone: "UTC", policy: p,
		runs: []runSpec{oneRun(false, steps...), oneRun(false, steps...)},
		dies: func(string) bool {
			first := !died
			died = true
			return first
		},
	}

	got := c.run(t)

	require.Len(t, got.sends, 1)
	require.True(t, died)
	require.GreaterOrEqual(t, got.sends[0].at.Sub(c.start.Add(time.Hour)), workflows.SendTimeout, "sent once the dead attempt's lease ran out")
	var statuses []string
	for _, st := range got.states {
		statuses = append(statuses, st.Messages[0].Status)
	}
	require.ElementsMatch(t, []string{workflows.SendSent, workflows.SendSkipped}, statuses)
}

// On Christmas Day, a holiday with holidays_quiet, an SMS due at once is
// held until the window opens the next morning, and a wait_until of 10:00
// passes over the holiday to the same morning; its email comes after the
// SMS and a rolling cap of one message on any channel in two days skips it.
func TestAHolidayHoldsASendAWaitUntilPassesOverItAndARollingCapCountsEveryChannel(t *testing.T) {
	p := policy.Default()
	p.Holidays = []policy.Holiday{{Date: "2026-12-25"}}
	p.HolidaysQuiet = true
	p.Caps = []policy.Cap{{Channel: policy.ChannelAny, Max: 1, Per: "2d"}}
	c := &policyCase{
		start: time.Date(2026, 12, 25, 9, 0, 0, 0, time.UTC), zone: "UTC", policy: p,
		runs: []runSpec{
			oneRun(false, step("sms", &entry.SendSMS{})),
			oneRun(false, step("later", &entry.WaitUntil{Time: "10:00"}), step("email", &entry.SendEmail{Subject: entry.Plain("Hi")})),
		},
	}

	got := c.run(t)

	require.Len(t, got.sends, 1)
	require.Equal(t, "sms", got.sends[0].channel)
	require.Equal(t, time.Date(2026, 12, 26, 8, 0, 0, 0, time.UTC), got.sends[0].at.UTC())
	require.Equal(t, workflows.SendSent, got.states[0].Messages[0].Status)
	require.Equal(t, workflows.SendSkipped, got.states[1].Messages[0].Status)
	require.Equal(t, "cap 1 per 2d reached", got.states[1].Messages[0].Reason)
	require.Equal(t, time.Date(2026, 12, 26, 10, 0, 0, 0, time.UTC), got.ended[1].UTC())
	require.Equal(t, 1, got.counts.planned)
	require.Equal(t, map[string]int{policy.CodeHoliday: 1, policy.CodeRollingCap: 1}, got.counts.codes)
}

// runSpec is one run of the case's customer: an entry's steps and settings.
type runSpec struct {
	steps       []entry.Step
	entryQuiet  policy.QuietHours
	cancelOnNew bool
}

func oneRun(cancelOnNew bool, steps ...entry.Step) runSpec {
	return runSpec{steps: steps, cancelOnNew: cancelOnNew}
}

func step(id string, spec entry.Spec) entry.Step { return entry.Step{ID: id, Spec: spec} }

// policyCase is one randomized scenario: the runs of one customer, all of
// interaction INT-1, started at once.
type policyCase struct {
	start          time.Time
	zone           string // the customer's; "" has none
	policy         policy.Policy
	runs           []runSpec
	optOuts        []optEvent
	newInteraction time.Duration // after the start; 0 never
	priorSends     []priorSend
	failRate       float64
	// dieRate is the share of sends whose first decision to send is the
	// last thing their worker does: it dies, and a worker started again
	// takes the send over (each send's worker dies once at most, as in a
	// restart). dies, when set, decides instead.
	dieRate float64
	dies    func(key string) bool
	// lead bounds how far ahead of the server's clock an attempt's clock
	// reads, drawn for each decision: under a second, while every decision
	// falls on a whole second of the server's clock (starts, waits and
	// backoffs are whole seconds; windows, days and holidays turn on whole
	// minutes), so a lead never carries a decision over such an edge. Its
	// effect is the one production has when attempts read their clocks
	// before they wait for the customer's turn: a decision may come after
	// one stamped later than itself.
	lead time.Duration
	// faults seeds the draws of failures, deaths and leads: each send's
	// own, so that a seed gives every send the same faults whichever run's
	// activity reaches the ledger first.
	faults uint64
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
	var runs []string
	for _, r := range c.runs {
		var steps []string
		for _, st := range r.steps {
			steps = append(steps, strings.TrimPrefix(fmt.Sprintf("%T", st.Spec), "*entry.")+strings.TrimPrefix(fmt.Sprintf("%+v", st.Spec), "&"))
		}
		runs = append(runs, fmt.Sprintf("{steps %v entry quiet %v cancel %v}", steps, r.entryQuiet, r.cancelOnNew))
	}
	return fmt.Sprintf("start %s zone %q policy %+v runs %v opt %v new %s prior %v fail %.1f die %.1f lead %s",
		c.start.UTC(), c.zone, c.policy, runs, c.optOuts, c.newInteraction, c.priorSends, c.failRate, c.dieRate, c.lead)
}

// draw is the case's n-th draw of what for the send key, in [0, 1).
func (c *policyCase) draw(what, key string, n int) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(what + "/" + key)) // a hash's Write never fails
	return rand.New(rand.NewPCG(c.faults, h.Sum64()+uint64(n))).Float64()
}

// workflowID is the workflow ID of the case's run i: entry-a/INT-1, entry-b/INT-1.
func workflowID(i int) string { return entryID(i) + "/INT-1" }

func entryID(i int) string { return "entry-" + string(rune('a'+i)) }

var propertyZones = []string{"", "UTC", "America/New_York", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
	"Australia/Adelaide", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/London", "America/Santiago"}

func newCase(rng *rand.Rand) *policyCase {
	c := &policyCase{zone: propertyZones[rng.IntN(len(propertyZones))], policy: policy.Default()}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.start = base.Add(time.Duration(rng.Int64N(int64(360 * 24 * time.Hour))))
	if rng.IntN(2) == 0 { // near a daylight-saving change
		// Around the changes of New York, London, Lord Howe and Adelaide,
		// and Santiago's, which repeat and skip the hour about midnight.
		changes := []time.Time{time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 4, 15, 30, 0, 0, time.UTC),
			time.Date(2026, 4, 5, 3, 0, 0, 0, time.UTC), time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC)}
		c.start = changes[rng.IntN(len(changes))].Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 48*time.Hour)
	}
	c.start = c.start.Truncate(time.Second)
	if rng.IntN(2) == 0 {
		c.policy.TimeZone = propertyZones[1+rng.IntN(len(propertyZones)-1)]
	}
	c.policy.QuietHours["sms"] = randomPolicyWindow(rng, 0.2)
	c.policy.QuietHours["email"] = randomPolicyWindow(rng, 0.6)
	c.policy.SurveyGrace = []string{"0", "0", "1d", "30d"}[rng.IntN(4)]
	c.policy.MaxPerDay = map[string]int{"sms": rng.IntN(4), "email": rng.IntN(3)}
	for range rng.IntN(3) {
		c.policy.Caps = append(c.policy.Caps, policy.Cap{Channel: []string{"any", "email", "sms"}[rng.IntN(3)], Max: 1 + rng.IntN(4),
			Per: []string{"1m", "30m", "2h", "1d", "2d", "1w", "2w"}[rng.IntN(7)]})
	}
	for range rng.IntN(4) {
		// Dates around the start and the waits after it, in any zone.
		days := rng.IntN(20) - 2
		if rng.IntN(3) == 0 { // the start's date, in some zone
			days = rng.IntN(3) - 1
		}
		h := policy.Holiday{Date: c.start.Add(time.Duration(days) * 24 * time.Hour).Format(time.DateOnly)}
		if rng.IntN(3) == 0 {
			h.Service = []string{"billing support", "Sales"}[rng.IntN(2)] // the first is the runs' service, written otherwise
		}
		c.policy.Holidays = append(c.policy.Holidays, h)
	}
	c.policy.HolidaysQuiet = rng.IntN(2) == 0
	// Mostly two runs; half of those with the same steps, so that their
	// sends fall at the same instants and race.
	first := randomRun(rng)
	c.runs = []runSpec{first}
	switch rng.IntN(4) {
	case 0:
	case 1, 2:
		second := randomRun(rng)
		second.steps = first.steps
		c.runs = append(c.runs, second)
	default:
		c.runs = append(c.runs, randomRun(rng))
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
	c.dieRate = []float64{0, 0, 0.2, 0.5}[rng.IntN(4)]
	c.lead = []time.Duration{0, 0, 500 * time.Millisecond, 999 * time.Millisecond}[rng.IntN(4)]
	c.faults = rng.Uint64()
	return c
}

func randomRun(rng *rand.Rand) runSpec {
	r := runSpec{cancelOnNew: rng.IntN(2) == 0}
	if rng.IntN(4) == 0 {
		r.entryQuiet = policy.QuietHours{"sms": randomPolicyWindow(rng, 0.3)}
	}
	for i := range 1 + rng.IntN(4) {
		id := fmt.Sprintf("s%d", i)
		switch rng.IntN(5) {
		case 0:
			r.steps = append(r.steps, step(id, &entry.Wait{Duration: randomWait(rng)}))
		case 4:
			w := &entry.WaitUntil{Time: fmt.Sprintf("%02d:%02d", rng.IntN(24), rng.IntN(4)*15)}
			switch rng.IntN(4) {
			case 0:
				w.Days = entry.Weekdays
			case 1:
				for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
					if rng.IntN(4) == 0 {
						w.Days = append(w.Days, d)
					}
				}
			}
			if rng.IntN(2) == 0 {
				w.AtLeast = randomWait(rng)
			}
			r.steps = append(r.steps, step(id, w))
		case 1:
			r.steps = append(r.steps, step(id, &entry.SendEmail{Subject: entry.Plain("Hi")}))
		case 2:
			r.steps = append(r.steps, step(id, &entry.SendSMS{}))
		default:
			ch := []string{"email", "sms"}[rng.IntN(2)]
			s := &entry.SendSurvey{Channel: ch, Question: entry.Plain("How did we do?"), Wait: randomWait(rng)}
			if ch == "email" {
				s.Subject = entry.Plain("How did we do?")
			}
			r.steps = append(r.steps, step(id, s))
		}
	}
	return r
}

// withTexts gives the run's messages texts that name their idempotency
// key, so the providers can tell which send each message is.
func withTexts(steps []entry.Step, workflowID string) []entry.Step {
	out := make([]entry.Step, len(steps))
	for i, st := range steps {
		key := workflows.StepKey(workflowID, st.ID)
		switch spec := st.Spec.(type) {
		case *entry.SendEmail:
			cp := *spec
			cp.Text = entry.Plain("Hello " + key)
			st.Spec = &cp
		case *entry.SendSMS:
			cp := *spec
			cp.Text = entry.Plain("Hello " + key)
			st.Spec = &cp
		case *entry.SendSurvey:
			cp := *spec
			cp.Text = entry.Plain("Tell us: $(survey.url) " + key)
			st.Spec = &cp
		}
		out[i] = st
	}
	return out
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

// outcome is what one case did: each run's state and end, and every
// message a provider took.
type outcome struct {
	states []workflows.State
	ended  []time.Time
	sends  []providerSend
	counts tally
}

type tally struct {
	sent, held, skipped, retried, died, planned int
	// codes counts the held and skipped decisions by reason code.
	codes map[string]int
}

func (t *tally) add(o outcome) {
	if t.codes == nil {
		t.codes = map[string]int{}
	}
	for code, n := range o.counts.codes {
		t.codes[code] += n
	}
	t.sent += len(o.sends)
	t.held += o.counts.held
	t.skipped += o.counts.skipped
	t.retried += o.counts.retried
	t.died += o.counts.died
	t.planned += o.counts.planned
}

// madePlan is one answer of PlanWaitUntil: the key of its step, what it
// was asked and when.
type madePlan struct {
	key   string
	in    workflows.WaitUntilInput
	asked time.Time
	plan  workflows.WaitUntilPlan
	err   error
}

// providerSend is one message a provider took.
type providerSend struct {
	key     string
	at      time.Time
	channel string
	survey  bool
}

// runResult is what customerRuns returns of one run.
type runResult struct {
	State workflows.State
	Ended time.Time
}

// customerRuns runs one customer's follow-ups at once, as FollowUp
// children with the given workflow IDs, and tells each of them when the
// customer contacts again, as ingest does.
func customerRuns(ctx workflow.Context, ids []string, ins []workflows.FollowUpInput) ([]runResult, error) {
	results := make([]runResult, len(ids))
	errs := make([]error, len(ids))
	futures := make([]workflow.ChildWorkflowFuture, len(ids))
	wg := workflow.NewWaitGroup(ctx)
	for i := range ids {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ids[i]})
		futures[i] = workflow.ExecuteChildWorkflow(cctx, workflows.FollowUpWorkflow, ins[i])
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			errs[i] = futures[i].Get(gctx, &results[i].State)
			results[i].Ended = workflow.Now(gctx)
		})
	}
	signals := workflow.GetSignalChannel(ctx, workflows.CustomerContactedAgainSignal)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var v workflows.CustomerContactedAgain
			signals.Receive(gctx, &v)
			for _, f := range futures {
				f.SignalChildWorkflow(gctx, workflows.CustomerContactedAgainSignal, v) // a run that has ended ignores it
			}
		}
	})
	wg.Wait(ctx)
	return results, errors.Join(errs...)
}

func (c *policyCase) run(t *testing.T) outcome {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(c.start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "customer/" + customerID})
	env.SetTestTimeout(time.Minute)
	env.RegisterWorkflowWithOptions(workflows.FollowUp, workflowRegisterOptions())
	env.RegisterWorkflowWithOptions(customerRuns, workflow.RegisterOptions{Name: "CustomerRuns"})

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
	counts := tally{codes: map[string]int{}}
	died := map[string]bool{}
	ledger.dies = func(key string) bool {
		mu.Lock()
		defer mu.Unlock()
		die := !died[key] && c.draw("die", key, 0) < c.dieRate
		if c.dies != nil {
			die = c.dies(key)
		}
		if die {
			died[key] = true
			counts.died++
		}
		return die
	}
	leads := map[string]int{}
	if c.lead > 0 {
		ledger.lead = func(key string) time.Duration {
			mu.Lock()
			defer mu.Unlock()
			leads[key]++
			return time.Duration(c.draw("lead", key, leads[key]) * float64(c.lead))
		}
	}
	failed := map[string]int{} // a send's failures: an outage ends within three attempts
	send := func(key, channel string, survey bool) error {
		mu.Lock()
		defer mu.Unlock()
		if failed[key] < 3 && c.draw("fail", key, failed[key]) < c.failRate {
			failed[key]++
			counts.retried++
			return errors.New("connection reset by peer")
		}
		sends = append(sends, providerSend{key: key, at: env.Now(), channel: channel, survey: survey})
		return nil
	}
	byMessageID := map[string]string{}
	ids := make([]string, len(c.runs))
	ins := make([]workflows.FollowUpInput, len(c.runs))
	for i, r := range c.runs {
		ids[i] = workflowID(i)
		for _, st := range r.steps {
			byMessageID[activities.MessageID(workflows.StepKey(ids[i], st.ID), "")] = workflows.StepKey(ids[i], st.ID)
		}
		ins[i] = workflows.FollowUpInput{
			Entry: entry.Entry{ID: entryID(i), Name: "Entry " + entryID(i), Service: "Billing Support", Enabled: true, Version: 1,
				Steps: withTexts(r.steps, ids[i]), QuietHours: r.entryQuiet, CancelOnNewInteraction: r.cancelOnNew},
			Event: interaction.Event{InteractionID: "INT-1", Service: "Billing Support",
				Customer: &interaction.Customer{ID: customerID, Email: customerEmail, Phone: customerPhone, TimeZone: c.zone}},
		}
	}
	acts := &activities.Activities{
		Ledger:   ledger,
		Policies: ledger,
		Mailer: mailerFunc(func(_ context.Context, m providers.Email) (string, error) {
			return m.MessageID, send(byMessageID[m.MessageID], "email", m.Subject == "How did we do?")
		}),
		SMS: smsFunc(func(_ context.Context, m providers.SMS) (string, error) {
			key := m.Body[strings.LastIndexByte(m.Body, ' ')+1:]
			return "SM-" + key, send(key, "sms", strings.HasPrefix(m.Body, "Tell us: "))
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
				counts.codes[e.Code]++
			case "skipped":
				counts.skipped++
				counts.codes[e.Code]++
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
	// The real PlanWaitUntil, each plan kept with the step and the moment
	// it was asked, to be checked against the clock walk below.
	var plans []madePlan
	env.OnActivity(workflows.PlanWaitUntilActivity, anyArg, anyArg).Return(
		func(ctx context.Context, in workflows.WaitUntilInput) (workflows.WaitUntilPlan, error) {
			asked := env.Now()
			plan, err := acts.PlanWaitUntil(ctx, in)
			mu.Lock()
			defer mu.Unlock()
			plans = append(plans, madePlan{key: workflows.StepKey(activity.GetInfo(ctx).WorkflowExecution.ID, in.StepID), in: in, asked: asked, plan: plan, err: err})
			return plan, err
		}).Maybe()

	env.ExecuteWorkflow("CustomerRuns", ids, ins)
	require.True(t, env.IsWorkflowCompleted(), "the runs end")
	require.NoError(t, env.GetWorkflowError(), "a held or skipped send is no failure")
	var results []runResult
	require.NoError(t, env.GetWorkflowResult(&results))
	o := outcome{sends: sends, counts: counts}
	for _, r := range results {
		o.states = append(o.states, r.State)
		o.ended = append(o.ended, r.Ended)
	}

	loc, zoneName := c.oracleZone()
	runOf := func(key string) runSpec {
		for i := range c.runs {
			if strings.HasPrefix(key, ids[i]+"/") {
				return c.runs[i]
			}
		}
		require.FailNow(t, "a delivery of no run", key)
		return runSpec{}
	}
	window := func(run runSpec, channel string) *policy.Window {
		if w, ok := run.entryQuiet[channel]; ok {
			return w
		}
		return c.policy.QuietHours[channel]
	}
	contacted := func(run runSpec, at time.Time) bool {
		return run.cancelOnNew && !contactedAt.IsZero() && !at.Before(contactedAt)
	}
	grace := map[string]time.Duration{"0": 0, "1d": 24 * time.Hour, "30d": 30 * 24 * time.Hour}[c.policy.SurveyGrace]
	holiday := func(date string) bool { return isHoliday(c.policy.Holidays, date, "Billing Support") }
	quietHoliday := func(at time.Time) bool { return c.policy.HolidaysQuiet && holiday(at.In(loc).Format(time.DateOnly)) }

	// Safety: each message a provider took, against what was true then.
	counted := map[string][]time.Time{}
	var surveys []time.Time
	for _, p := range ledger.priors {
		counted[p.channel] = append(counted[p.channel], p.at)
		if p.survey {
			surveys = append(surveys, p.at)
		}
	}
	for _, s := range sends {
		run := runOf(s.key)
		require.False(t, truth.optedOut(s.channel, s.at), "%s went to an opted-out address at %s", s.key, s.at)
		w := window(run, s.channel)
		require.True(t, insideWindow(w, s.at.In(loc)), "%s went at %s in %s, outside %v", s.key, s.at.In(loc), zoneName, w)
		if limit := c.policy.MaxPerDay[s.channel]; limit > 0 {
			day := s.at.In(loc).Format(time.DateOnly)
			n := 0
			for _, at := range counted[s.channel] {
				if at.In(loc).Format(time.DateOnly) == day && !at.After(s.at) {
					n++
				}
			}
			require.Less(t, n, limit, "%s at %s went over the daily cap of %d", s.key, s.at.In(loc), limit)
		}
		require.False(t, quietHoliday(s.at), "%s went at %s in %s, a holiday %v, with holidays_quiet", s.key, s.at.In(loc), zoneName, c.policy.Holidays)
		for _, cp := range c.policy.Caps {
			if !capCounts(cp, s.channel) {
				continue
			}
			n := 0
			for ch, ats := range counted {
				for _, at := range ats {
					if capCounts(cp, ch) && at.After(s.at.Add(-testDurations[cp.Per])) && !at.After(s.at) {
						n++
					}
				}
			}
			require.Less(t, n, cp.Max, "%s at %s went over the rolling cap of %d per %s on %s", s.key, s.at, cp.Max, cp.Per, cp.Channel)
		}
		if s.survey && grace > 0 {
			for _, at := range surveys {
				require.False(t, s.at.Sub(at) < grace && !at.After(s.at), "a survey at %s inside the grace of one at %s", s.at, at)
			}
		}
		require.False(t, contacted(run, s.at), "%s at %s after the customer contacted again at %s", s.key, s.at, contactedAt)
		counted[s.channel] = append(counted[s.channel], s.at)
		if s.survey {
			surveys = append(surveys, s.at)
		}
	}

	// Liveness: every decision, in the order the ledger made it, against
	// the facts worked out here: windows, holidays, caps and grace at its
	// stamp (the attempt's clock), opt-outs and new interactions as they
	// stood when it was made. A decision to send counts against the daily
	// and rolling caps and the grace from when it was made (its send may
	// be in flight or retried), until the delivery is decided again; it
	// counts for the decisions made after it whatever its stamp, which may
	// be later than theirs (each attempt reads its clock before it waits
	// for the customer's turn).
	type decided struct {
		channel string
		survey  bool
		at      time.Time
		counts  bool
	}
	standing := map[string]decided{}
	for i, p := range ledger.priors {
		standing[fmt.Sprintf("prior/%d", i)] = decided{p.channel, p.survey, p.at, true}
	}
	for _, d := range ledger.decisions {
		run := runOf(d.key)
		require.True(t, d.seen.Equal(d.seen.Truncate(time.Second)), "%s was decided at %s, not on a whole second as the leads need", d.key, d.seen)
		day := d.at.In(loc).Format(time.DateOnly)
		today, lastSurvey := 0, time.Time{}
		for k, o := range standing {
			if k == d.key || !o.counts {
				continue
			}
			if o.channel == d.channel && o.at.In(loc).Format(time.DateOnly) == day {
				today++
			}
			if o.survey && o.at.After(lastSurvey) {
				lastSurvey = o.at
			}
		}
		overCap := false
		for _, cp := range c.policy.Caps {
			if !capCounts(cp, d.channel) {
				continue
			}
			n := 0
			for k, o := range standing {
				if k != d.key && o.counts && capCounts(cp, o.channel) && o.at.After(d.at.Add(-testDurations[cp.Per])) {
					n++
				}
			}
			overCap = overCap || n >= cp.Max
		}
		forbidden := map[string]bool{
			policy.CodeOptedOut:       truth.optedOut(d.channel, d.seen),
			policy.CodeContactedAgain: contacted(run, d.seen),
			policy.CodeSurveyGrace:    d.survey && grace > 0 && !lastSurvey.IsZero() && d.at.Sub(lastSurvey) < grace,
			policy.CodeQuietHours:     !insideWindow(window(run, d.channel), d.at.In(loc)),
			policy.CodeHoliday:        quietHoliday(d.at),
			policy.CodeDailyCap:       c.policy.MaxPerDay[d.channel] > 0 && today >= c.policy.MaxPerDay[d.channel],
			policy.CodeRollingCap:     overCap,
		}
		why := []string{}
		for code, holds := range forbidden {
			if holds {
				why = append(why, code)
			}
		}
		if len(why) == 0 {
			require.Equal(t, policy.Send, d.outcome, "%s at %s (%s in %s): nothing forbade it, yet it was %s (%s)",
				d.key, d.at, d.at.In(loc).Format("2006-01-02 15:04"), zoneName, d.outcome, d.code)
		} else {
			require.NotEqual(t, policy.Send, d.outcome, "%s at %s was sent though %v", d.key, d.at, why)
			require.True(t, forbidden[d.code], "%s at %s was %s for %s, which did not hold (what held: %v)", d.key, d.at, d.outcome, d.code, why)
		}
		if d.outcome == policy.Hold {
			// A hold ends where its window opens and no holiday is: quiet
			// hours or a holiday held it until the moment before.
			w := window(run, d.channel)
			held := func(at time.Time) bool { return !insideWindow(w, at.In(loc)) || quietHoliday(at) }
			before := d.until.Add(-time.Minute)
			if before.Before(d.at) {
				before = d.at
			}
			require.True(t, d.until.After(d.at) && !held(d.until) && held(before),
				"%s at %s (%s in %s) was held until %s (%s), which is no end of its quiet hours %v or of a holiday %v",
				d.key, d.at, d.at.In(loc).Format("2006-01-02 15:04"), zoneName, d.until, d.until.In(loc).Format("2006-01-02 15:04"), w, c.policy.Holidays)
		}
		standing[d.key] = decided{d.channel, d.survey, d.at, d.outcome == policy.Send}
	}
	took := map[string]int{}
	for _, s := range sends {
		took[s.key]++
	}
	for key, d := range ledger.deliveries {
		if strings.HasPrefix(key, "prior/") {
			continue
		}
		i := slices.IndexFunc(ids, func(id string) bool { return strings.HasPrefix(key, id+"/") })
		stopped := c.runs[i].cancelOnNew && !contactedAt.IsZero() && !o.ended[i].Before(contactedAt)
		switch {
		case d.Status == store.DeliverySent:
			require.Equal(t, 1, took[key], "%s is recorded as sent: its provider took it once", key)
		case d.Status == store.DeliverySkipped:
			require.Zero(t, took[key], "%s was skipped, yet a provider took it", key)
		case stopped:
			require.Zero(t, took[key], "%s was not sent (%s) when its run stopped, yet a provider took it", key, d.Status)
		default:
			require.Failf(t, "a send was left undone", "%s is %s (decided %s: %s) when its run ended at %s", key, d.Status, d.Decision, d.Reason, o.ended[i])
		}
	}

	// wait_until: every plan against the local clock, walked here.
	for _, p := range plans {
		require.NoError(t, p.err, "planning %s", p.key)
		var w *entry.WaitUntil
		for _, st := range runOf(p.key).steps {
			if strings.HasSuffix(p.key, "/"+st.ID) {
				w, _ = st.Spec.(*entry.WaitUntil)
			}
		}
		require.NotNil(t, w, "%s is a wait_until", p.key)
		atLeast := testDurations[w.AtLeast]
		require.Equal(t, atLeast, p.in.AtLeast, "%s: at_least %q", p.key, w.AtLeast)
		want := untilByWalk(p.asked.Add(atLeast), w.Time, w.Days, loc, holiday)
		require.False(t, want.IsZero(), "%s: the walk found no day", p.key)
		require.True(t, want.Equal(p.plan.At), "%s: wait_until %+v begun at %s (%s in %s) ends at %s, planned %s",
			p.key, *w, p.asked, p.asked.In(loc).Format("2006-01-02 15:04 Mon"), zoneName, want.In(loc).Format("2006-01-02 15:04 Mon"), p.plan.At.In(loc).Format("2006-01-02 15:04 Mon"))
		require.Equal(t, p.plan.At.Sub(p.asked), p.plan.Wait, "%s: the wait is measured from when it was planned", p.key)
		require.Equal(t, zoneName, p.plan.Zone, "%s", p.key)
		o.counts.planned++
	}

	for i, r := range c.runs {
		if r.cancelOnNew && !contactedAt.IsZero() && !o.ended[i].Before(contactedAt) {
			require.Equal(t, "customer contacted again (INT-2)", o.states[i].Reason)
			require.True(t, contactedAt.Equal(o.ended[i]), "run %d ended the moment the customer contacted again (%s), not %s", i, contactedAt, o.ended[i])
		}
	}
	return o
}

// testDurations are the waits and the rolling caps' windows the cases
// use, as durations, read without the policy package.
var testDurations = map[string]time.Duration{"": 0, "30s": 30 * time.Second, "45s": 45 * time.Second, "1m": time.Minute,
	"10m": 10 * time.Minute, "30m": 30 * time.Minute, "1h": time.Hour, "2h": 2 * time.Hour, "3h": 3 * time.Hour, "12h": 12 * time.Hour,
	"1d": 24 * time.Hour, "1d12h": 36 * time.Hour, "2d": 48 * time.Hour, "3d": 72 * time.Hour, "1w": 7 * 24 * time.Hour, "2w": 14 * 24 * time.Hour}

// capCounts reports whether a message on channel counts against c.
func capCounts(c policy.Cap, channel string) bool { return c.Channel == "any" || c.Channel == channel }

// isHoliday reports whether date is one of holidays for service: one for
// every service, or for service written in any case.
func isHoliday(holidays []policy.Holiday, date, service string) bool {
	for _, h := range holidays {
		if h.Date == date && (h.Service == "" || strings.EqualFold(h.Service, service)) {
			return true
		}
	}
	return false
}

// untilByWalk is when a wait_until of the local time clock on days (none:
// every day) ends once threshold has passed, worked out by reading the
// clock in loc minute by minute: on the threshold's local date or a later
// one (the day before too, where a zone turns its date back), the first
// date that is one of days and no holiday, whose first instant that reads
// clock or later (a time the clock skips is the instant of the jump; one
// it reads twice, the first) is not before threshold. Zero when there is
// none within 40 days.
func untilByWalk(threshold time.Time, clock string, days []string, loc *time.Location, holiday func(date string) bool) time.Time {
	var hh, mm int
	_, _ = fmt.Sscanf(clock, "%d:%d", &hh, &mm)
	want := hh*60 + mm
	l := threshold.In(loc)
	for k := -1; k <= 40; k++ {
		date := time.Date(l.Year(), l.Month(), l.Day()+k, 0, 0, 0, 0, time.UTC)
		day := date.Format(time.DateOnly)
		if (len(days) > 0 && !slices.Contains(days, strings.ToLower(date.Weekday().String()[:3]))) || holiday(day) {
			continue
		}
		// Offsets and their changes are whole minutes, and a change moves
		// the clock by an hour at most: the reading is within three hours
		// of Go's guess, whichever side of a change the guess takes.
		guess := time.Date(date.Year(), date.Month(), date.Day(), hh, mm, 0, 0, loc)
		for t := guess.Add(-3 * time.Hour); t.Before(guess.Add(3 * time.Hour)); t = t.Add(time.Minute) {
			lt := t.In(loc)
			if lt.Format(time.DateOnly) != day || lt.Hour()*60+lt.Minute() < want {
				continue
			}
			if !t.Before(threshold) {
				return t
			}
			break // that date's reading came before the threshold
		}
	}
	return time.Time{}
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
