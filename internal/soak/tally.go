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
	// Surveys counts the surveys table's rows.
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

// Delivery is a row of the deliveries table.
type Delivery struct {
	Status, ProviderID string
	SentAt             *time.Time
	Attempts           int
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

// gapLimit is the longest the gap can stay open: a provider call's outcome
// gets recordTimeout (5 s, activities) to be written; a kill later than
// that after the acceptance was not between the acceptance and the record.
const gapLimit = 5 * time.Second

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
		r.UnexpectedMessages > 0 || r.AnswerMismatches > 0 || r.ResultMismatches > 0
}

// maxProblems bounds the lines of each kind of problem a report names.
const maxProblems = 10

// Tally counts what the soak observed against its plan.
func Tally(o Observed) Report {
	r := Report{EventsPlanned: len(o.IDs), Posts: o.Posts, Retried: o.Retried}
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
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		e := keys[k]
		if len(e.copies) == 0 {
			r.MessagesMissing++
			problem("message missing", "nothing received for %s", k)
			continue
		}
		slices.SortFunc(e.copies, func(a, b Received) int { return a.At.Compare(b.At) })
		d := o.Deliveries[k]
		for j := 1; j < len(e.copies); j++ {
			if why, ok := inGap(e.copies[j-1], e.copies[j], d, o.Kills, o.PostgresDown); ok {
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
//     (Started <= first.At <= k + killSlack), within gapLimit of it;
//   - the record was made after the kill (sent_at > k), and for an SMS it
//     names another copy's SID, not first's;
//   - PostgreSQL was not down between the acceptance and the kill (a
//     record that failed for that is a different cause);
//   - the second copy came after the kill.
func inGap(first, second Received, d Delivery, kills []Kill, pgDown []Window) (string, bool) {
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
	if gap := kill.At.Sub(first.At); gap > gapLimit {
		return fmt.Sprintf("the worker was killed %s after the earlier copy was accepted, longer than the gap can last", gap.Round(time.Millisecond)), false
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
