package soak

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Observed is everything the soak saw, for Tally.
type Observed struct {
	Plan Plan
	// IDs holds the interaction id of event i at IDs[i-1].
	IDs []string
	// Accepted tells, by interaction id, that a post of the event was
	// answered 2xx; Matched that the answer listed the run of its entry.
	Accepted, Matched map[string]bool
	// Posts counts every post, duplicates and retries included; Retried
	// the answers retried, by HTTP status (0: no answer).
	Posts   int
	Retried map[int]int
	// Runs lists the executions Temporal has, by workflow ID.
	Runs map[string][]Execution
	// Records holds the workflow IDs the runs table has.
	Records map[string]bool
	// Messages is every message the SMTP and Twilio-shaped servers took.
	Messages []Received
	// Deliveries is the deliveries table, by idempotency key.
	Deliveries map[string]Delivery
	// Kills is every kill -9 of the worker; PostgresDown every PostgreSQL
	// restart, from its stop to its first answer.
	Kills        []Kill
	PostgresDown []Window
	// Answers is what the soak's answer to a survey came to, by
	// interaction id; StoreAnswers the survey_answers row, by workflow ID.
	Answers      map[string]AnswerOutcome
	StoreAnswers map[string]StoreAnswer
	// Quiet is the quiet hours the soak's policy had; OptOuts the opt-outs
	// it made.
	Quiet   Quiet
	OptOuts []OptOut
	// Surveys counts the surveys whose message was sent (the surveys
	// table's rows with sent_at): a survey whose message the policy
	// skipped is no survey sent.
	Surveys int
	// Results is what GET /v1/results answered for the soak's days, or
	// ResultsErr why it did not answer.
	Results    *ResultTotals
	ResultsErr string
}

// ResultTotals are the figures of GET /v1/results the soak checks against
// the rows: results are kept as the rows change, so they must agree.
type ResultTotals struct {
	Runs, MessagesSent, SurveysSent, Answered int64
	Scores                                    map[int]int64
}

// OptOut is one opt-out the soak made: of a customer's address on a
// channel, asked at Requested and answered 2xx at Answered (zero: never).
type OptOut struct {
	Channel, Customer   string
	Requested, Answered time.Time
}

// Execution is one Temporal execution of a workflow ID.
type Execution struct {
	RunID, Status string // Status as Temporal names it: "Completed", "Running", …
}

// Received is one message a provider accepted.
type Received struct {
	Channel string // "email" or "sms"
	At      time.Time
	// MessageID is an email's Message-ID header; SID an SMS's Twilio SID.
	MessageID, SID string
	// Body is what Parse reads: an email's subject and text, an SMS's body.
	Body string
}

// Delivery is a row of the deliveries table: its last decision
// (Decision, ReasonCode, DecidedAt) and the first record of its send.
type Delivery struct {
	Status, ProviderID   string
	SentAt               *time.Time
	Attempts             int
	Decision, ReasonCode string
	DecidedAt            *time.Time
}

// Kill is one kill -9 of a worker that had run since Started.
type Kill struct {
	Started, At time.Time
}

// Window is a span of time a server was down.
type Window struct {
	From, To time.Time
}

// AnswerOutcome is how the soak's answer to a survey ended.
type AnswerOutcome string

// The outcomes of an answer.
const (
	// AnswerTaken: the API answered 2xx, or said the survey was already
	// answered (an earlier try of ours got through).
	AnswerTaken AnswerOutcome = "taken"
	// AnswerClosed: the survey had closed (the answer came too late).
	AnswerClosed AnswerOutcome = "closed"
	// AnswerFailed: the soak gave up; not ccflow's fault alone.
	AnswerFailed AnswerOutcome = "failed"
)

// StoreAnswer is a survey_answers row.
type StoreAnswer struct {
	Delivered bool
	Score     int
}

// killSlack is how long after the SIGKILL a dying worker may still have
// been talking to a provider: the signal is sent, then delivered.
const killSlack = 50 * time.Millisecond

// Lag is how long after the provider accepted a message its record was
// written, over the messages of a soak received once.
type Lag struct {
	Count         int
	P50, P99, Max time.Duration
}

// recordLag measures the gap as this soak saw it: for every message
// received once and recorded as sent, the time from the provider's
// acceptance to the record. Records held up by a PostgreSQL restart are
// left out: a duplicate in such a window is not tolerated anyway.
func recordLag(copies map[string][]Received, deliveries map[string]Delivery, pgDown []Window) Lag {
	var lags []time.Duration
	for k, cs := range copies {
		d := deliveries[k]
		if len(cs) != 1 || d.Status != "sent" || d.SentAt == nil {
			continue
		}
		accepted, recorded := cs[0].At, *d.SentAt
		if slices.ContainsFunc(pgDown, func(w Window) bool { return w.From.Before(recorded) && w.To.After(accepted) }) {
			continue
		}
		lags = append(lags, max(recorded.Sub(accepted), 0))
	}
	if len(lags) == 0 {
		return Lag{}
	}
	slices.Sort(lags)
	at := func(q float64) time.Duration { return lags[min(int(q*float64(len(lags))), len(lags)-1)] }
	return Lag{Count: len(lags), P50: at(0.50), P99: at(0.99), Max: lags[len(lags)-1]}
}

// Report is the soak's result: the table's figures and what failed.
type Report struct {
	EventsPlanned, EventsSent, Posts int
	Retried                          map[int]int

	RunsExpected, RunsStarted, RunsLost, DuplicateRuns int
	RunsUnmatched, RunsNotCompleted, RunsWithoutRecord int

	MessagesExpected, MessagesReceived, MessagesMissing int
	// DuplicatesInGap are extra copies attributed to a kill -9 inside the
	// documented gap; Duplicates the others, which fail the soak.
	DuplicatesInGap, Duplicates, UnexpectedMessages int
	// Skipped counts the messages the contact policy skipped, by reason
	// code, each for a cause that held (an opt-out asked before the
	// decision; the customer's cap reached that day); PolicyViolations
	// the messages sent when the policy forbade it, or skipped for a cause
	// that did not hold.
	Skipped          map[string]int
	PolicyViolations int
	// RecordLag is the gap as measured: how long records took after the
	// provider's acceptance. A duplicate is tolerated only when the worker
	// was killed no later than RecordLag.Max after the first copy's
	// acceptance: any later, its record would have been written.
	RecordLag Lag

	// AnswersStoredLate were stored after the run stopped waiting;
	// AnswersClosed refused as the survey had closed.
	AnswersPlanned, AnswersTaken, AnswersStoredLate, AnswersClosed, AnswersFailed, AnswerMismatches int

	// ResultMismatches counts the figures of GET /v1/results that disagree
	// with the rows they count (runs, messages sent, surveys sent and
	// answered, answers of each score).
	ResultMismatches int

	// Problems names each failure (the first few of each kind), and Gap
	// each tolerated duplicate with its attribution.
	Problems, Gap []string
	// Suspects are the workflow IDs of the runs a problem names, whose
	// histories the soak keeps for a look.
	Suspects []string
}

// Failed reports whether anything was lost, duplicated beyond the gap or
// wrong.
func (r Report) Failed() bool {
	return r.EventsSent < r.EventsPlanned || r.RunsLost > 0 || r.DuplicateRuns > 0 || r.RunsUnmatched > 0 ||
		r.RunsNotCompleted > 0 || r.RunsWithoutRecord > 0 || r.MessagesMissing > 0 || r.Duplicates > 0 ||
		r.UnexpectedMessages > 0 || r.AnswerMismatches > 0 || r.PolicyViolations > 0 || r.ResultMismatches > 0
}

// maxProblems bounds the lines of each kind of problem a report names.
const maxProblems = 10

// Tally counts what the soak observed against its plan.
func Tally(o Observed) Report {
	r := Report{EventsPlanned: len(o.IDs), Posts: o.Posts, Retried: o.Retried, Skipped: map[string]int{}}
	kinds := map[string]int{}
	suspect := func(wf string) {
		if len(r.Suspects) < 3*maxProblems && !slices.Contains(r.Suspects, wf) {
			r.Suspects = append(r.Suspects, wf)
		}
	}
	problem := func(kind, format string, args ...any) {
		kinds[kind]++
		if kinds[kind] <= maxProblems {
			r.Problems = append(r.Problems, kind+": "+fmt.Sprintf(format, args...))
		}
	}

	// Every expected message key, with the event it belongs to.
	type expected struct {
		event   int
		channel string
		copies  []Received
	}
	policy := newPolicyJudge(o)
	keys := map[string]*expected{}
	byMessageID := map[string]string{}
	byInteraction := map[string]int{}
	for i, id := range o.IDs {
		n := i + 1
		byInteraction[id] = n
		if !o.Accepted[id] {
			problem("event not accepted", "%s was never answered 2xx", id)
			continue
		}
		r.EventsSent++
		r.RunsExpected++
		wf := WorkflowID(o.Plan.Entry(n), id)
		if !o.Matched[id] {
			r.RunsUnmatched++
			problem("unmatched", "the answer to %s did not list the run of %s", id, o.Plan.Entry(n))
		}
		runs := o.Runs[wf]
		switch {
		case len(runs) == 0:
			r.RunsLost++
			problem("run lost", "%s has no run", wf)
		case len(runs) > 1:
			r.DuplicateRuns += len(runs) - 1
			suspect(wf)
			problem("duplicate run", "%s has %d runs", wf, len(runs))
		}
		if len(runs) > 0 {
			r.RunsStarted++
			if !o.Records[wf] {
				r.RunsWithoutRecord++
				problem("run without record", "%s is not in the runs table", wf)
			}
			for _, e := range runs {
				if e.Status != "Completed" {
					r.RunsNotCompleted++
					suspect(wf)
					problem("run not completed", "%s run %s is %s", wf, e.RunID, e.Status)
				}
			}
		}
		for _, step := range []string{SurveyStep, FinalStep} {
			k := Key(wf, step)
			keys[k] = &expected{event: n, channel: o.Plan.Channel(n)}
			byMessageID[MessageID(k)] = k
			r.MessagesExpected++
		}
		if o.Plan.Answered(n) {
			r.AnswersPlanned++
		}
	}

	// Each message to its key: an email by its Message-ID (which must
	// agree with the reference in its text), an SMS by its reference.
	finals := map[string]string{} // workflow ID -> answered=, from its first final message
	for _, m := range o.Messages {
		p, ok := Parse(m.Body)
		n, known := byInteraction[p.InteractionID]
		if !ok || !known {
			r.UnexpectedMessages++
			problem("unexpected message", "a %s message the soak did not plan: %.80q", m.Channel, m.Body)
			continue
		}
		wf := WorkflowID(o.Plan.Entry(n), p.InteractionID)
		k := Key(wf, p.Step)
		if m.Channel == "email" && byMessageID[m.MessageID] != k {
			r.UnexpectedMessages++
			problem("unexpected message", "email %s for %s has Message-ID %s, not its key's", p.Step, wf, m.MessageID)
			continue
		}
		e := keys[k]
		if e == nil || e.channel != m.Channel {
			r.UnexpectedMessages++
			problem("unexpected message", "a %s message for %s, which expects none on this channel", m.Channel, k)
			continue
		}
		e.copies = append(e.copies, m)
		r.MessagesReceived++
		if p.Step == FinalStep {
			if _, seen := finals[wf]; !seen {
				finals[wf] = p.Answered
			}
		}
	}

	sorted := make([]string, 0, len(keys))
	copies := map[string][]Received{}
	for k, e := range keys {
		sorted = append(sorted, k)
		copies[k] = e.copies
	}
	sort.Strings(sorted)
	r.RecordLag = recordLag(copies, o.Deliveries, o.PostgresDown)
	for _, k := range sorted {
		policy.count(k, o.Plan.Customer(keys[k].event), keys[k].channel, o.Deliveries[k])
	}
	for _, k := range sorted {
		e := keys[k]
		d := o.Deliveries[k]
		customer := o.Plan.Customer(e.event)
		if len(e.copies) == 0 && d.Status == "skipped" {
			if why, ok := policy.skipHeld(k, customer, e.channel, d); ok {
				r.Skipped[d.ReasonCode]++
			} else {
				r.PolicyViolations++
				suspect(strings.TrimSuffix(strings.TrimSuffix(k, "/"+SurveyStep), "/"+FinalStep))
				problem("skipped without cause", "%s: %s", k, why)
			}
			continue
		}
		if len(e.copies) == 0 {
			r.MessagesMissing++
			problem("message missing", "nothing received for %s", k)
			continue
		}
		if d.Status != "sent" {
			r.PolicyViolations++
			problem("received, yet not recorded as sent", "%s is %s (%s)", k, d.Status, d.ReasonCode)
		} else if why := policy.forbade(customer, e.channel, d); why != "" {
			r.PolicyViolations++
			suspect(strings.TrimSuffix(strings.TrimSuffix(k, "/"+SurveyStep), "/"+FinalStep))
			problem("sent against the policy", "%s: %s", k, why)
		}
		slices.SortFunc(e.copies, func(a, b Received) int { return a.At.Compare(b.At) })
		for j := 1; j < len(e.copies); j++ {
			if why, ok := inGap(e.copies[j-1], e.copies[j], d, o.Kills, o.PostgresDown, r.RecordLag.Max); ok {
				r.DuplicatesInGap++
				r.Gap = append(r.Gap, fmt.Sprintf("%s: copy %d: %s", k, j+1, why))
			} else {
				r.Duplicates++
				suspect(strings.TrimSuffix(strings.TrimSuffix(k, "/"+SurveyStep), "/"+FinalStep))
				problem("duplicate message", "%s copy %d at %s: %s", k, j+1, e.copies[j].At.Format(time.RFC3339Nano), why)
			}
		}
	}

	// Survey answers: the run took an answer exactly when the store says
	// it was delivered, and only answered surveys have one.
	for i, id := range o.IDs {
		n := i + 1
		if !o.Accepted[id] {
			continue
		}
		wf := WorkflowID(o.Plan.Entry(n), id)
		final, haveFinal := finals[wf]
		before := r.AnswerMismatches
		row, stored := o.StoreAnswers[wf]
		outcome := o.Answers[id]
		switch outcome {
		case AnswerTaken:
			r.AnswersTaken++
		case AnswerClosed:
			r.AnswersClosed++
		case AnswerFailed:
			// The API kept answering 5xx for minutes: no loss (nothing was
			// taken or stored), but worth a look at the run's history.
			r.AnswersFailed++
			suspect(wf)
		}
		switch {
		case outcome == AnswerTaken && !stored:
			r.AnswerMismatches++
			problem("answer lost", "the answer to %s was taken but the store has none", wf)
		case !o.Plan.Answered(n) && stored:
			r.AnswerMismatches++
			problem("answer from nowhere", "%s has an answer the soak never gave", wf)
		case haveFinal && stored && final != fmt.Sprint(row.Delivered):
			r.AnswerMismatches++
			problem("answer disagrees", "%s: the run says answered=%s, the store delivered=%t", wf, final, row.Delivered)
		case haveFinal && !stored && final != "false":
			r.AnswerMismatches++
			problem("answer disagrees", "%s: the run says answered=%s without a stored answer", wf, final)
		}
		if r.AnswerMismatches > before {
			suspect(wf)
		}
	}
	for _, a := range o.StoreAnswers {
		if !a.Delivered {
			r.AnswersStoredLate++
		}
	}
	for _, over := range policy.overCap() {
		r.PolicyViolations++
		problem("over the daily cap", "%s", over)
	}
	tallyResults(o, &r, problem)
	for kind, n := range kinds {
		if n > maxProblems {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %d more", kind, n-maxProblems))
		}
	}
	return r
}

// tallyResults compares the results' figures with the rows they count:
// the runs table, the deliveries sent, the surveys and their answers.
func tallyResults(o Observed, r *Report, problem func(kind, format string, args ...any)) {
	if o.Results == nil {
		r.ResultMismatches++
		problem("results disagree", "GET /v1/results did not answer: %s", o.ResultsErr)
		return
	}
	sent := 0
	for _, d := range o.Deliveries {
		if d.Status == "sent" {
			sent++
		}
	}
	scores := map[int]int64{}
	for _, a := range o.StoreAnswers {
		scores[a.Score]++
	}
	for s := range o.Results.Scores {
		if _, ok := scores[s]; !ok {
			scores[s] = 0
		}
	}
	check := func(what string, got, want int64) {
		if got != want {
			r.ResultMismatches++
			problem("results disagree", "GET /v1/results counts %d %s, the rows %d", got, what, want)
		}
	}
	check("runs", o.Results.Runs, int64(len(o.Records)))
	check("messages sent", o.Results.MessagesSent, int64(sent))
	check("surveys sent", o.Results.SurveysSent, int64(o.Surveys))
	check("surveys answered", o.Results.Answered, int64(len(o.StoreAnswers)))
	for _, s := range slices.Sorted(maps.Keys(scores)) {
		check(fmt.Sprintf("answers scored %d", s), o.Results.Scores[s], scores[s])
	}
}

// inGap says whether the copy after first is explained by the documented
// gap: the worker that sent first was killed after the provider accepted
// it and before the delivery was recorded, so the retry sent again. Each
// condition is checked and the answer says which failed:
//
//   - a kill -9 at k of the worker running when first was accepted
//     (Started <= first.At <= k + killSlack), no later than limit after
//     the acceptance: limit is the longest any record of this soak took
//     (RecordLag), so a kill any later would have found first recorded;
//   - the first record of the delivery, which the store keeps unchanged
//     however often it is recorded again, was made after the kill
//     (sent_at > k), and for an SMS it names another copy's SID, not
//     first's;
//   - PostgreSQL was not down between the acceptance and the kill (a
//     record that failed for that is a different cause);
//   - the second copy came after the kill.
func inGap(first, second Received, d Delivery, kills []Kill, pgDown []Window, limit time.Duration) (string, bool) {
	var kill *Kill
	for i := range kills {
		k := &kills[i]
		if !first.At.Before(k.Started) && !first.At.After(k.At.Add(killSlack)) {
			kill = k
			break
		}
	}
	if kill == nil {
		return "no kill -9 of the worker that sent the earlier copy", false
	}
	if gap := kill.At.Sub(first.At); gap > limit {
		return fmt.Sprintf("the worker was killed %s after the earlier copy was accepted, longer than any record took in this soak (%s): it would have been recorded",
			gap.Round(time.Millisecond), limit.Round(100*time.Microsecond)), false
	}
	if d.SentAt == nil {
		return "the delivery is not recorded as sent", false
	}
	if !d.SentAt.After(kill.At) {
		return fmt.Sprintf("the delivery was recorded at %s, before the kill at %s", d.SentAt.Format(time.RFC3339Nano), kill.At.Format(time.RFC3339Nano)), false
	}
	if first.SID != "" && d.ProviderID == first.SID {
		return "the record names the earlier copy, so it was recorded", false
	}
	for _, w := range pgDown {
		if w.From.Before(kill.At) && w.To.After(first.At) {
			return "PostgreSQL was down between the acceptance and the kill", false
		}
	}
	if !second.At.After(kill.At) {
		return "the later copy came before the kill", false
	}
	return fmt.Sprintf("the copy before it was accepted at %s and the worker killed %s later, before the record; the retry sent this one at %s and recorded it at %s",
		first.At.Format("15:04:05.000"), max(kill.At.Sub(first.At), 0).Round(100*time.Microsecond),
		second.At.Format("15:04:05.000"), d.SentAt.Format("15:04:05.000")), true
}

// policyJudge judges the deliveries of a soak against its contact policy,
// from the facts the soak itself knows: when it opted whom out, when each
// channel was quiet, and what was sent to whom on which day.
type policyJudge struct {
	o   Observed
	loc *time.Location
	// sends lists, by customer, channel and day in Zone, when the
	// deliveries sent were decided.
	sends map[string][]time.Time
}

func newPolicyJudge(o Observed) *policyJudge {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		loc = time.UTC
	}
	return &policyJudge{o: o, loc: loc, sends: map[string][]time.Time{}}
}

func (j *policyJudge) day(customer int, channel string, t time.Time) string {
	return fmt.Sprintf("%s %s %s", CustomerID(customer), channel, t.In(j.loc).Format(time.DateOnly))
}

// count notes a delivery sent.
func (j *policyJudge) count(_ string, customer int, channel string, d Delivery) {
	if d.Status == "sent" && d.DecidedAt != nil {
		k := j.day(customer, channel, *d.DecidedAt)
		j.sends[k] = append(j.sends[k], *d.DecidedAt)
	}
}

// optedOut returns the soak's opt-out of the customer's address on
// channel. Both runs of a customer may opt them out: the address was out
// from the first request, and forbidden from the first answer.
func (j *policyJudge) optedOut(customer int, channel string) (OptOut, bool) {
	var first OptOut
	found := false
	for _, o := range j.o.OptOuts {
		if o.Channel != channel || o.Customer != CustomerID(customer) {
			continue
		}
		if !found || o.Requested.Before(first.Requested) {
			first.Channel, first.Customer, first.Requested = o.Channel, o.Customer, o.Requested
		}
		if !o.Answered.IsZero() && (first.Answered.IsZero() || o.Answered.Before(first.Answered)) {
			first.Answered = o.Answered
		}
		found = true
	}
	return first, found
}

// forbade says why the policy forbade a delivery that was sent: decided in
// its channel's quiet hours, or after its address's opt-out was answered;
// "" when it allowed it.
func (j *policyJudge) forbade(customer int, channel string, d Delivery) string {
	if d.DecidedAt == nil {
		return "sent with no decision recorded"
	}
	at := *d.DecidedAt
	if j.o.Quiet.Forbids(channel, at) {
		w := j.o.Quiet.Spans[channel]
		return fmt.Sprintf("decided at %s, inside the %s quiet hours %s to %s", at.Format("15:04:05.000"), channel, w.From.Format("15:04"), w.To.Format("15:04"))
	}
	if o, ok := j.optedOut(customer, channel); ok && !o.Answered.IsZero() && !o.Answered.After(at) {
		return fmt.Sprintf("decided at %s, after the opt-out of %s was answered at %s", at.Format("15:04:05.000"), o.Customer, o.Answered.Format("15:04:05.000"))
	}
	return ""
}

// skipHeld says whether the cause a delivery was skipped for held when it
// was decided, and if not, why not.
func (j *policyJudge) skipHeld(key string, customer int, channel string, d Delivery) (string, bool) {
	if d.DecidedAt == nil {
		return "skipped with no decision recorded", false
	}
	at := *d.DecidedAt
	switch d.ReasonCode {
	case "opted_out":
		o, ok := j.optedOut(customer, channel)
		switch {
		case !ok:
			return "skipped as opted out, but the soak opted " + CustomerID(customer) + " out of nothing", false
		case o.Requested.After(at):
			return fmt.Sprintf("skipped as opted out at %s, before the opt-out was asked for at %s", at.Format("15:04:05.000"), o.Requested.Format("15:04:05.000")), false
		}
		return "", true
	case "daily_cap":
		n := 0
		for _, t := range j.sends[j.day(customer, channel, at)] {
			if !t.After(at) {
				n++
			}
		}
		if j.o.Plan.DailyCap > 0 && n >= j.o.Plan.DailyCap {
			return "", true
		}
		return fmt.Sprintf("skipped for the daily cap at %s with %d sent that day (cap %d)", at.Format("15:04:05.000"), n, j.o.Plan.DailyCap), false
	}
	return fmt.Sprintf("skipped (%s), a cause the soak's policy never has", d.ReasonCode), false
}

// overCap lists each customer, channel and day with more sends than the cap.
func (j *policyJudge) overCap() []string {
	var out []string
	if j.o.Plan.DailyCap <= 0 {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(j.sends)) {
		if n := len(j.sends[k]); n > j.o.Plan.DailyCap {
			out = append(out, fmt.Sprintf("%s: %d sent, cap %d", k, n, j.o.Plan.DailyCap))
		}
	}
	return out
}
