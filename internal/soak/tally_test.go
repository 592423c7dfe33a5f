package soak_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/soak"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// healthy is what a soak of two events (1 by email, 2 by SMS, the second
// answered) observes when everything went right. The records of its four
// messages took 5, 15, 25 and 35 ms after the provider accepted them.
func healthy() soak.Observed {
	plan := soak.Plan{Events: 2, AnswerEvery: 2}
	ids := []string{"load-x-000001", "load-x-000002"}
	o := soak.Observed{
		Plan: plan, IDs: ids, Posts: 2,
		Accepted: map[string]bool{}, Matched: map[string]bool{},
		Runs: map[string][]soak.Execution{}, Records: map[string]bool{}, Deliveries: map[string]soak.Delivery{},
		Answers: map[string]soak.AnswerOutcome{}, StoreAnswers: map[string]soak.StoreAnswer{},
	}
	for i, id := range ids {
		n := i + 1
		wf := soak.WorkflowID(plan.Entry(n), id)
		o.Accepted[id], o.Matched[id], o.Records[wf] = true, true, true
		o.Runs[wf] = []soak.Execution{{RunID: "r" + id, Status: "Completed"}}
		answered := fmt.Sprint(plan.Answered(n))
		for s, step := range []string{soak.SurveyStep, soak.FinalStep} {
			key := soak.Key(wf, step)
			at := t0.Add(time.Duration(n*10+s) * time.Second)
			body := "ref " + id + " " + step
			if step == soak.FinalStep {
				body += " answered=" + answered
			}
			m := soak.Received{Channel: plan.Channel(n), At: at, Body: body}
			sent := at.Add(recordedAfter(len(o.Messages)))
			d := decidedBefore(soak.Delivery{Status: "sent", SentAt: &sent, Attempts: 1})
			if m.Channel == "email" {
				m.MessageID = soak.MessageID(key)
				d.ProviderID = m.MessageID
			} else {
				m.SID = "SM" + key
				d.ProviderID = m.SID
			}
			o.Messages = append(o.Messages, m)
			o.Deliveries[key] = d
		}
	}
	o.Answers[ids[1]] = soak.AnswerTaken
	o.StoreAnswers[soak.WorkflowID(soak.SMSEntry, ids[1])] = soak.StoreAnswer{Delivered: true, Score: plan.Score(2)}
	o.Surveys = 2
	o.Results = &soak.ResultTotals{Runs: 2, MessagesSent: 4, SurveysSent: 2, Answered: 1,
		Scores: map[int]int64{1: 0, 2: 0, 3: 1, 4: 0, 5: 0}}
	return o
}

// decidedBefore gives a delivery recorded as sent the decision to send it,
// 50 ms before its record: the provider's acceptance came between.
func decidedBefore(d soak.Delivery) soak.Delivery {
	decided := d.SentAt.Add(-50 * time.Millisecond)
	d.Decision, d.DecidedAt = "send", &decided
	return d
}

// recordedAfter is how long after its acceptance healthy's message i was
// recorded.
func recordedAfter(i int) time.Duration { return time.Duration(5+10*i) * time.Millisecond }

// again adds a second copy of message i, at after the first.
func again(o *soak.Observed, i int, after time.Duration, sid string) {
	m := o.Messages[i]
	m.At = m.At.Add(after)
	if m.SID != "" {
		m.SID = sid
	}
	o.Messages = append(o.Messages, m)
}

func TestTally(t *testing.T) {
	email := soak.Key(soak.WorkflowID(soak.EmailEntry, "load-x-000001"), soak.SurveyStep)
	sms := soak.Key(soak.WorkflowID(soak.SMSEntry, "load-x-000002"), soak.FinalStep)
	tests := []struct {
		name    string
		change  func(o *soak.Observed)
		check   func(t *testing.T, r soak.Report)
		failed  bool
		problem string
	}{
		{
			name:   "everything went right",
			change: func(*soak.Observed) {},
			check: func(t *testing.T, r soak.Report) {
				require.Equal(t, 2, r.EventsSent)
				require.Equal(t, 2, r.RunsStarted)
				require.Equal(t, 4, r.MessagesExpected)
				require.Equal(t, 4, r.MessagesReceived)
				require.Equal(t, 1, r.AnswersTaken)
				require.Equal(t, soak.Lag{Count: 4, P50: 25 * time.Millisecond, P99: 35 * time.Millisecond, Max: 35 * time.Millisecond}, r.RecordLag)
			},
		},
		{
			name:    "a run lost",
			change:  func(o *soak.Observed) { delete(o.Runs, soak.WorkflowID(soak.EmailEntry, "load-x-000001")) },
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.RunsLost) },
			failed:  true,
			problem: "run lost: soak-email/load-x-000001 has no run",
		},
		{
			name: "a run started twice",
			change: func(o *soak.Observed) {
				wf := soak.WorkflowID(soak.EmailEntry, "load-x-000001")
				o.Runs[wf] = append(o.Runs[wf], soak.Execution{RunID: "again", Status: "Completed"})
			},
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.DuplicateRuns) },
			failed:  true,
			problem: "duplicate run",
		},
		{
			name:    "a run without its record",
			change:  func(o *soak.Observed) { delete(o.Records, soak.WorkflowID(soak.SMSEntry, "load-x-000002")) },
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.RunsWithoutRecord) },
			failed:  true,
			problem: "run without record",
		},
		{
			name:    "results count a run twice",
			change:  func(o *soak.Observed) { o.Results.Runs = 3 },
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.ResultMismatches) },
			failed:  true,
			problem: "results disagree: GET /v1/results counts 3 runs, the rows 2",
		},
		{
			name:    "results miss an answer's score",
			change:  func(o *soak.Observed) { o.Results.Scores[3] = 0 },
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.ResultMismatches) },
			failed:  true,
			problem: "results disagree: GET /v1/results counts 0 answers scored 3, the rows 1",
		},
		{
			name: "results count a message the deliveries do not have as sent",
			change: func(o *soak.Observed) {
				o.Deliveries[email] = soak.Delivery{Status: "failed"}
			},
			failed:  true,
			problem: "results disagree: GET /v1/results counts 4 messages sent, the rows 3",
		},
		{
			name:    "results did not answer",
			change:  func(o *soak.Observed) { o.Results, o.ResultsErr = nil, "503 unavailable" },
			failed:  true,
			problem: "results disagree: GET /v1/results did not answer: 503 unavailable",
		},
		{
			name:    "a message missing",
			change:  func(o *soak.Observed) { o.Messages = o.Messages[1:] },
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.MessagesMissing) },
			failed:  true,
			problem: "message missing: nothing received for " + email,
		},
		{
			name: "an email sent again after a kill in the gap is tolerated",
			change: func(o *soak.Observed) {
				first := o.Messages[0].At
				o.Kills = []soak.Kill{{Started: t0, At: first.Add(2 * time.Millisecond)}}
				recorded := first.Add(40 * time.Second)
				o.Deliveries[email] = decidedBefore(soak.Delivery{Status: "sent", SentAt: &recorded, Attempts: 2})
				again(o, 0, 39*time.Second, "")
			},
			check: func(t *testing.T, r soak.Report) {
				require.Equal(t, 1, r.DuplicatesInGap)
				require.Zero(t, r.Duplicates)
				require.Len(t, r.Gap, 1)
				require.Contains(t, r.Gap[0], email)
			},
		},
		{
			name: "an SMS sent again after a kill in the gap is tolerated: the record names the second copy",
			change: func(o *soak.Observed) {
				first := o.Messages[3].At
				o.Kills = []soak.Kill{{Started: t0, At: first}}
				recorded := first.Add(35 * time.Second)
				o.Deliveries[sms] = decidedBefore(soak.Delivery{Status: "sent", ProviderID: "SM-second", SentAt: &recorded, Attempts: 2})
				again(o, 3, 34*time.Second, "SM-second")
			},
			check: func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.DuplicatesInGap) },
		},
		{
			name: "a message sent again with no kill fails",
			change: func(o *soak.Observed) {
				again(o, 0, 31*time.Second, "")
			},
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.Duplicates) },
			failed:  true,
			problem: "no kill -9 of the worker that sent the earlier copy",
		},
		{
			// The store keeps a delivery's first record (sent_at, provider
			// id) when the copy sent again is recorded too: that first
			// record, 10 ms after the acceptance and before the kill 20 ms
			// after it, says the gap was closed.
			name: "a duplicate whose earlier copy was recorded before the kill fails",
			change: func(o *soak.Observed) {
				first := o.Messages[3].At
				o.Kills = []soak.Kill{{Started: t0, At: first.Add(20 * time.Millisecond)}}
				recorded := first.Add(10 * time.Millisecond)
				o.Deliveries[sms] = decidedBefore(soak.Delivery{Status: "sent", ProviderID: "SM-second", SentAt: &recorded, Attempts: 2})
				again(o, 3, 34*time.Second, "SM-second")
			},
			failed:  true,
			problem: "before the kill",
		},
		{
			name: "an SMS whose record names the earlier copy was not in the gap",
			change: func(o *soak.Observed) {
				first := o.Messages[3].At
				o.Kills = []soak.Kill{{Started: t0, At: first}}
				recorded := first.Add(35 * time.Second)
				d := o.Deliveries[sms]
				d.SentAt = &recorded
				o.Deliveries[sms] = d
				again(o, 3, 34*time.Second, "SM-second")
			},
			failed:  true,
			problem: "the record names the earlier copy",
		},
		{
			name: "a duplicate while PostgreSQL was down has another cause",
			change: func(o *soak.Observed) {
				first := o.Messages[0].At
				o.Kills = []soak.Kill{{Started: t0, At: first.Add(10 * time.Millisecond)}}
				o.PostgresDown = []soak.Window{{From: first.Add(-time.Second), To: first.Add(2 * time.Second)}}
				recorded := first.Add(40 * time.Second)
				o.Deliveries[email] = decidedBefore(soak.Delivery{Status: "sent", SentAt: &recorded, Attempts: 2})
				again(o, 0, 39*time.Second, "")
			},
			failed:  true,
			problem: "PostgreSQL was down",
		},
		{
			name: "a kill long after the acceptance did not cause the duplicate",
			change: func(o *soak.Observed) {
				first := o.Messages[0].At
				o.Kills = []soak.Kill{{Started: t0, At: first.Add(6 * time.Second)}}
				recorded := first.Add(40 * time.Second)
				o.Deliveries[email] = decidedBefore(soak.Delivery{Status: "sent", SentAt: &recorded, Attempts: 2})
				// The first copy was accepted by the worker the kill ended,
				// but the record had been given up on by then.
				again(o, 0, 39*time.Second, "")
			},
			failed:  true,
			problem: "longer than any record took in this soak",
		},
		{
			name: "an email whose Message-ID is not its key's",
			change: func(o *soak.Observed) {
				o.Messages[0].MessageID = "<other@ccflow>"
			},
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.UnexpectedMessages) },
			failed:  true,
			problem: "unexpected message",
		},
		{
			name: "the run says it took no answer the store delivered",
			change: func(o *soak.Observed) {
				o.Messages[3].Body = strings.Replace(o.Messages[3].Body, "answered=true", "answered=false", 1)
			},
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.AnswerMismatches) },
			failed:  true,
			problem: "answer disagrees",
		},
		{
			name:    "an answer taken and never stored",
			change:  func(o *soak.Observed) { delete(o.StoreAnswers, soak.WorkflowID(soak.SMSEntry, "load-x-000002")) },
			failed:  true,
			problem: "answer lost",
		},
		{
			name: "a late answer, stored as not delivered, with a run that took none",
			change: func(o *soak.Observed) {
				o.StoreAnswers[soak.WorkflowID(soak.SMSEntry, "load-x-000002")] = soak.StoreAnswer{Delivered: false, Score: 3}
				o.Messages[3].Body = strings.Replace(o.Messages[3].Body, "answered=true", "answered=false", 1)
			},
			check: func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.AnswersStoredLate) },
		},
		{
			name:    "a run not completed",
			change:  func(o *soak.Observed) { o.Runs[soak.WorkflowID(soak.SMSEntry, "load-x-000002")][0].Status = "Failed" },
			failed:  true,
			problem: "run not completed",
		},
		{
			name:    "an event never accepted",
			change:  func(o *soak.Observed) { o.Accepted["load-x-000002"] = false },
			check:   func(t *testing.T, r soak.Report) { require.Equal(t, 1, r.EventsSent) },
			failed:  true,
			problem: "event not accepted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := healthy()
			tt.change(&o)

			r := soak.Tally(o)

			require.Equal(t, tt.failed, r.Failed(), "problems: %v", r.Problems)
			if tt.problem != "" {
				require.Contains(t, strings.Join(r.Problems, "\n"), tt.problem)
			} else {
				require.Empty(t, r.Problems)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// The gap lasts as long as a record takes: every record of healthy took
// at most 35 ms after the acceptance (25 ms without the SMS the cases
// duplicate), so a kill later than that after the first copy's acceptance
// came when its record would have been written, and the copy sent again
// is a duplicate, not the gap; a kill 2 s after, once tolerated as within
// 5 s, is one too.
func TestTallyToleratesADuplicateOnlyWithinTheMeasuredGap(t *testing.T) {
	keys := []string{ // of healthy's messages
		soak.Key(soak.WorkflowID(soak.EmailEntry, "load-x-000001"), soak.SurveyStep),
		soak.Key(soak.WorkflowID(soak.EmailEntry, "load-x-000001"), soak.FinalStep),
		soak.Key(soak.WorkflowID(soak.SMSEntry, "load-x-000002"), soak.SurveyStep),
		soak.Key(soak.WorkflowID(soak.SMSEntry, "load-x-000002"), soak.FinalStep),
	}
	tests := []struct {
		name    string
		message int           // the one sent again
		killed  time.Duration // after the first copy's acceptance
		slowPG  bool          // another record waited 3 s for a PostgreSQL restart
		inGap   bool
	}{
		{name: "a kill at the acceptance", message: 0, killed: 0, inGap: true},
		{name: "a kill as the provider accepts, the signal on its way", message: 0, killed: -40 * time.Millisecond, inGap: true},
		{name: "a kill within the longest record (35 ms)", message: 0, killed: 30 * time.Millisecond, inGap: true},
		{name: "a kill past the longest record", message: 0, killed: 40 * time.Millisecond},
		{name: "a kill past the longest record of the others (25 ms)", message: 3, killed: 30 * time.Millisecond},
		{name: "a kill 2 s after the acceptance", message: 0, killed: 2 * time.Second},
		{name: "a kill 2 s after, with a record slowed 3 s by a PostgreSQL restart", message: 0, killed: 2 * time.Second, slowPG: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := healthy()
			m := o.Messages[tt.message]
			o.Kills = []soak.Kill{{Started: t0, At: m.At.Add(tt.killed)}}
			recorded := m.At.Add(40 * time.Second)
			o.Deliveries[keys[tt.message]] = decidedBefore(soak.Delivery{Status: "sent", ProviderID: "SM-second", SentAt: &recorded, Attempts: 2})
			again(&o, tt.message, 39*time.Second, "SM-second")
			if tt.slowPG {
				slow := o.Messages[1]
				late := slow.At.Add(3 * time.Second)
				d := o.Deliveries[keys[1]]
				d.SentAt = &late
				o.Deliveries[keys[1]] = d
				o.PostgresDown = []soak.Window{{From: slow.At.Add(-time.Second), To: slow.At.Add(2 * time.Second)}}
			}

			r := soak.Tally(o)

			require.Equal(t, !tt.inGap, r.Failed(), "problems: %v", r.Problems)
			if tt.inGap {
				require.Equal(t, 1, r.DuplicatesInGap)
				require.Empty(t, r.Problems)
				return
			}
			require.Equal(t, 1, r.Duplicates)
			require.Contains(t, strings.Join(r.Problems, "\n"), "longer than any record took in this soak")
		})
	}
}

func TestParseReadsTheSoaksMessages(t *testing.T) {
	tests := []struct {
		body string
		want soak.Parsed
		ok   bool
	}{
		{
			body: "Rate us 1-5: http://127.0.0.1:8080/s/abc_DEF-1.x ref load-1-000003 survey",
			want: soak.Parsed{InteractionID: "load-1-000003", Step: "survey", Token: "abc_DEF-1.x", Link: "http://127.0.0.1:8080/s/abc_DEF-1.x"},
			ok:   true,
		},
		{
			body: "Thank you ref load-1-000004 final\nref load-1-000004 final answered=false\n",
			want: soak.Parsed{InteractionID: "load-1-000004", Step: "final", Answered: "false"},
			ok:   true,
		},
		{body: "Hello, nothing of ours"},
	}
	for _, tt := range tests {
		got, ok := soak.Parse(tt.body)
		require.Equal(t, tt.ok, ok, tt.body)
		require.Equal(t, tt.want, got)
	}
}

func TestThePlanDuplicatesAndAnswersSomeEvents(t *testing.T) {
	p := soak.Plan{Events: 20, DuplicateEvery: 10, AnswerEvery: 2}
	twice, together, answered, byForm := 0, 0, 0, 0
	for i := 1; i <= p.Events; i++ {
		n, at := p.Posts(i)
		if n == 2 {
			twice++
		}
		if at {
			together++
		}
		if p.Answered(i) {
			answered++
			if p.AnswerByForm(i) {
				byForm++
			}
		}
	}
	require.Equal(t, 4, twice)
	require.Equal(t, 2, together)
	require.Equal(t, 10, answered)
	require.Equal(t, 5, byForm, "half the answers through the form, half through the JSON API")
	require.Equal(t, "email", p.Channel(1))
	require.Equal(t, soak.SMSEntry, p.Entry(2))
}

func TestScheduleSpreadsTheChaosInOrder(t *testing.T) {
	s := soak.Schedule(4, 2, 2)

	require.Len(t, s, 8)
	count := map[soak.What]int{}
	for i, a := range s {
		require.Greater(t, a.At, 0.0)
		require.Less(t, a.At, 1.0)
		if i > 0 {
			require.GreaterOrEqual(t, a.At, s[i-1].At)
		}
		count[a.What]++
	}
	require.Equal(t, map[soak.What]int{soak.KillWorker: 4, soak.RestartTemporal: 2, soak.RestartPostgres: 2}, count)
}

func TestWriteSaysWhetherTheSoakPassed(t *testing.T) {
	params := soak.Params{Events: 2, Rate: 20, Kills: 1, SendFor: 100 * time.Millisecond, Elapsed: time.Minute}
	var passed, failed strings.Builder

	require.NoError(t, soak.Write(&passed, params, soak.Tally(healthy())))
	o := healthy()
	o.Messages = o.Messages[1:]
	require.NoError(t, soak.Write(&failed, params, soak.Tally(o)))

	require.Contains(t, passed.String(), "PASSED")
	require.Regexp(t, `messages received\s+4\s`, passed.String())
	require.Contains(t, failed.String(), "FAILED:\n  message missing: nothing received for soak-email/load-x-000001/survey")
}

func TestTheRunsOfProblemsAreSuspects(t *testing.T) {
	o := healthy()
	o.Messages[3].Body = strings.Replace(o.Messages[3].Body, "answered=true", "answered=false", 1)
	again(&o, 0, 31*time.Second, "")

	r := soak.Tally(o)

	require.ElementsMatch(t, []string{"soak-email/load-x-000001", "soak-sms/load-x-000002"}, r.Suspects)
}

// capped is what a soak of four events with a daily cap of 3 observes when
// everything went right: events 1 and 3 are one customer's (by email), 2
// and 4 another's (by SMS), four messages each, so each customer's fourth,
// the last message of event 3 and of event 4, is skipped for the cap when
// it is due, ten minutes in. The SMS quiet hours are from 08:02 to 08:03,
// the email ones from 08:04 to 08:05.
func capped() soak.Observed {
	plan := soak.Plan{Events: 4, DailyCap: 3}
	ids := []string{"load-x-000001", "load-x-000002", "load-x-000003", "load-x-000004"}
	o := soak.Observed{
		Plan: plan, IDs: ids, Posts: 4,
		Accepted: map[string]bool{}, Matched: map[string]bool{},
		Runs: map[string][]soak.Execution{}, Records: map[string]bool{}, Deliveries: map[string]soak.Delivery{},
		Answers: map[string]soak.AnswerOutcome{}, StoreAnswers: map[string]soak.StoreAnswer{},
		Quiet: soak.Quiet{Spans: map[string]soak.Window{
			"sms":   {From: t0.Add(2 * time.Minute), To: t0.Add(3 * time.Minute)},
			"email": {From: t0.Add(4 * time.Minute), To: t0.Add(5 * time.Minute)},
		}},
	}
	for i, id := range ids {
		n := i + 1
		wf := soak.WorkflowID(plan.Entry(n), id)
		o.Accepted[id], o.Matched[id], o.Records[wf] = true, true, true
		o.Runs[wf] = []soak.Execution{{RunID: "r" + id, Status: "Completed"}}
		for s, step := range []string{soak.SurveyStep, soak.FinalStep} {
			key := soak.Key(wf, step)
			at := t0.Add(time.Duration(n*10+s) * time.Second)
			if n >= 3 && step == soak.FinalStep {
				decided := t0.Add(10 * time.Minute)
				o.Deliveries[key] = soak.Delivery{Status: "skipped", Decision: "skipped", ReasonCode: "daily_cap", DecidedAt: &decided}
				continue
			}
			body := "ref " + id + " " + step
			if step == soak.FinalStep {
				body += " answered=false"
			}
			m := soak.Received{Channel: plan.Channel(n), At: at, Body: body}
			sent := at.Add(20 * time.Millisecond)
			d := decidedBefore(soak.Delivery{Status: "sent", SentAt: &sent, Attempts: 1})
			if m.Channel == "email" {
				m.MessageID = soak.MessageID(key)
				d.ProviderID = m.MessageID
			} else {
				m.SID = "SM" + key
				d.ProviderID = m.SID
			}
			o.Messages = append(o.Messages, m)
			o.Deliveries[key] = d
		}
	}
	return o
}

// The soak runs on a contact policy with quiet hours, a daily cap and
// opt-outs, and judges every message against it from what it knows itself:
// nothing sent when the policy forbade it (decided in quiet hours, after an
// opt-out was answered, beyond the cap), and nothing skipped for a cause
// that did not hold (an opt-out not asked for yet, a cap not reached), so
// every message the policy allowed was sent.
func TestTallyJudgesTheContactPolicy(t *testing.T) {
	key := func(n int, step string) string {
		plan := soak.Plan{DailyCap: 3}
		return soak.Key(soak.WorkflowID(plan.Entry(n), fmt.Sprintf("load-x-%06d", n)), step)
	}
	// message returns the index in capped's Messages of event n's step.
	message := func(o soak.Observed, n int, step string) int {
		for i, m := range o.Messages {
			if strings.Contains(m.Body, fmt.Sprintf("load-x-%06d %s", n, step)) {
				return i
			}
		}
		panic("no such message")
	}
	decideAt := func(o *soak.Observed, n int, step string, at time.Time) {
		d := o.Deliveries[key(n, step)]
		d.DecidedAt = &at
		o.Deliveries[key(n, step)] = d
	}
	optOut := func(o *soak.Observed, channel string, customer int, requested, answered time.Time) {
		o.OptOuts = append(o.OptOuts, soak.OptOut{Channel: channel, Customer: soak.CustomerID(customer), Requested: requested, Answered: answered})
	}
	skip := func(o *soak.Observed, n int, step, code string, at time.Time) {
		o.Messages = slices.Delete(o.Messages, message(*o, n, step), message(*o, n, step)+1)
		o.Deliveries[key(n, step)] = soak.Delivery{Status: "skipped", Decision: "skipped", ReasonCode: code, DecidedAt: &at}
	}
	// The opt-out cases start from healthy: customer 1's email survey was
	// decided at 08:00:09.955 and its last email at 08:00:10.965, customer
	// 2's SMS at 08:00:19.975 and 08:00:20.985.
	tests := []struct {
		name    string
		base    func() soak.Observed
		change  func(o *soak.Observed)
		skipped map[string]int
		problem string // "" when the policy held
	}{
		{
			name: "each customer's fourth message skipped for a cap of 3", base: capped,
			change:  func(*soak.Observed) {},
			skipped: map[string]int{"daily_cap": 2},
		},
		{
			name: "a fourth message sent on the customer's day", base: capped,
			change: func(o *soak.Observed) {
				at := t0.Add(31 * time.Second)
				o.Messages = append(o.Messages, soak.Received{Channel: "email", At: at, Body: "ref load-x-000003 final answered=false",
					MessageID: soak.MessageID(key(3, soak.FinalStep))})
				sent := at.Add(20 * time.Millisecond)
				o.Deliveries[key(3, soak.FinalStep)] = decidedBefore(soak.Delivery{Status: "sent", SentAt: &sent, Attempts: 1})
			},
			skipped: map[string]int{"daily_cap": 1},
			problem: "over the daily cap: SOAK-C-1 email 2026-11-30: 4 sent, cap 3",
		},
		{
			name: "a message skipped for the cap with two sent that day", base: capped,
			change: func(o *soak.Observed) {
				at := t0.Add(20 * time.Second)
				d := o.Deliveries[key(3, soak.FinalStep)]
				d.DecidedAt = &at
				o.Deliveries[key(3, soak.FinalStep)] = d
			},
			skipped: map[string]int{"daily_cap": 1},
			problem: "skipped without cause: " + key(3, soak.FinalStep) + ": skipped for the daily cap at 08:00:20.000 with 2 sent that day (cap 3)",
		},
		{
			name: "an SMS decided in its quiet hours", base: capped,
			change:  func(o *soak.Observed) { decideAt(o, 2, soak.SurveyStep, t0.Add(2*time.Minute+time.Second)) },
			skipped: map[string]int{"daily_cap": 2},
			problem: "sent against the policy: " + key(2, soak.SurveyStep) + ": decided at 08:02:01.000, inside the sms quiet hours 08:02 to 08:03",
		},
		{
			name: "an SMS held through its quiet hours and decided again when they ended", base: capped,
			change: func(o *soak.Observed) {
				o.Quiet.Spans["sms"] = soak.Window{From: t0.Add(20500 * time.Millisecond), To: t0.Add(25 * time.Second)}
				decideAt(o, 2, soak.FinalStep, t0.Add(25*time.Second))
			},
			skipped: map[string]int{"daily_cap": 2},
		},
		{
			name: "an email decided in the SMS quiet hours", base: capped,
			change:  func(o *soak.Observed) { decideAt(o, 1, soak.SurveyStep, t0.Add(2*time.Minute+time.Second)) },
			skipped: map[string]int{"daily_cap": 2},
		},
		{
			name: "the last message skipped as opted out after the opt-out was asked for", base: healthy,
			change: func(o *soak.Observed) {
				optOut(o, "email", 1, t0.Add(10500*time.Millisecond), t0.Add(10600*time.Millisecond))
				skip(o, 1, soak.FinalStep, "opted_out", t0.Add(11*time.Second))
			},
			skipped: map[string]int{"opted_out": 1},
		},
		{
			name: "a message skipped after the first of two opt-outs of the customer was asked for", base: healthy,
			change: func(o *soak.Observed) {
				optOut(o, "email", 1, t0.Add(12*time.Second), t0.Add(12100*time.Millisecond))
				optOut(o, "email", 1, t0.Add(10500*time.Millisecond), t0.Add(10600*time.Millisecond))
				skip(o, 1, soak.FinalStep, "opted_out", t0.Add(11*time.Second))
			},
			skipped: map[string]int{"opted_out": 1},
		},
		{
			name: "a message skipped as opted out before the opt-out was asked for", base: healthy,
			change: func(o *soak.Observed) {
				optOut(o, "email", 1, t0.Add(12*time.Second), t0.Add(12100*time.Millisecond))
				skip(o, 1, soak.FinalStep, "opted_out", t0.Add(11*time.Second))
			},
			problem: "skipped without cause: " + key(1, soak.FinalStep) + ": skipped as opted out at 08:00:11.000, before the opt-out was asked for at 08:00:12.000",
		},
		{
			name: "a message skipped as opted out of a channel the soak never opted the customer out of", base: healthy,
			change: func(o *soak.Observed) {
				optOut(o, "sms", 1, t0, t0)
				skip(o, 1, soak.FinalStep, "opted_out", t0.Add(11*time.Second))
			},
			problem: "skipped as opted out, but the soak opted SOAK-C-1 out of nothing",
		},
		{
			name: "a message sent after the opt-out was answered", base: healthy,
			change:  func(o *soak.Observed) { optOut(o, "sms", 2, t0.Add(20*time.Second), t0.Add(20500*time.Millisecond)) },
			problem: "sent against the policy: " + key(2, soak.FinalStep) + ": decided at 08:00:20.985, after the opt-out of SOAK-C-2 was answered at 08:00:20.500",
		},
		{
			name: "a message decided while the opt-out was being asked for", base: healthy,
			change: func(o *soak.Observed) { optOut(o, "email", 1, t0.Add(10900*time.Millisecond), t0.Add(12*time.Second)) },
		},
		{
			name: "a message received though its delivery says skipped", base: healthy,
			change: func(o *soak.Observed) {
				d := o.Deliveries[key(1, soak.FinalStep)]
				d.Status, d.Decision, d.ReasonCode = "skipped", "skipped", "opted_out"
				o.Deliveries[key(1, soak.FinalStep)] = d
			},
			problem: "received, yet not recorded as sent: " + key(1, soak.FinalStep) + " is skipped (opted_out)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.base()
			tt.change(&o)
			agreeingResults(&o) // these cases judge the policy alone

			r := soak.Tally(o)

			if tt.skipped == nil {
				tt.skipped = map[string]int{}
			}
			require.Equal(t, tt.skipped, r.Skipped)
			require.Zero(t, r.MessagesMissing)
			if tt.problem == "" {
				require.Empty(t, r.Problems)
				require.False(t, r.Failed())
				return
			}
			require.True(t, r.Failed())
			require.Equal(t, 1, r.PolicyViolations)
			require.Contains(t, strings.Join(r.Problems, "\n"), tt.problem)
		})
	}
}

func TestThePlanPairsCustomersUnderACapAndWritesAnOptOutAnotherWay(t *testing.T) {
	capped := soak.Plan{DailyCap: 3}
	require.Equal(t, []int{1, 2, 1, 2, 5, 6, 5, 6}, []int{capped.Customer(1), capped.Customer(2), capped.Customer(3), capped.Customer(4),
		capped.Customer(5), capped.Customer(6), capped.Customer(7), capped.Customer(8)})
	require.Equal(t, 7, soak.Plan{}.Customer(7), "without a cap every event has a customer of its own")
	require.Equal(t, "SOAK-12@EXAMPLE.COM", soak.AddressWrittenAnotherWay("email", 12))
	require.Equal(t, "+1 555 000 0012", soak.AddressWrittenAnotherWay("sms", 12))
	require.Equal(t, "+15550000012", soak.Address("sms", 12))
	opts := soak.Plan{OptOutEvery: 7}
	var out []int
	for i := 1; i <= 20; i++ {
		if opts.OptsOut(i) {
			out = append(out, i)
		}
	}
	require.Equal(t, []int{3, 10, 17}, out)
}

// The quiet hours fall inside the soak, a whole number of minutes each,
// and the policy writes each channel's window in the customers' zone as
// open from the span's end to its start, across midnight.
func TestQuietHoursAreSpansOfTheSoakWrittenAsWindowsInTheCustomersZone(t *testing.T) {
	start := time.Date(2026, 11, 30, 8, 0, 20, 0, time.UTC)
	p := soak.Plan{QuietFor: 90 * time.Second, DailyCap: 3}

	q := p.Quiet(start, 250*time.Second)

	require.Equal(t, soak.Window{From: time.Date(2026, 11, 30, 8, 2, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 8, 4, 0, 0, time.UTC)}, q.Spans["sms"])
	require.Equal(t, soak.Window{From: time.Date(2026, 11, 30, 8, 3, 0, 0, time.UTC), To: time.Date(2026, 11, 30, 8, 5, 0, 0, time.UTC)}, q.Spans["email"])
	require.True(t, q.Forbids("sms", time.Date(2026, 11, 30, 8, 2, 0, 0, time.UTC)))
	require.False(t, q.Forbids("sms", time.Date(2026, 11, 30, 8, 4, 0, 0, time.UTC)))
	require.Equal(t, map[string]any{
		"time_zone": "Asia/Kathmandu", "survey_grace": "0",
		// 08:02 UTC is 13:47 in Kathmandu (UTC+05:45).
		"quiet_hours": map[string]any{"sms": map[string]any{"start": "13:49", "end": "13:47"}, "email": map[string]any{"start": "13:50", "end": "13:48"}},
		"max_per_day": map[string]any{"sms": 3, "email": 3},
	}, p.Policy(q))
	require.Empty(t, soak.Plan{}.Quiet(start, time.Minute).Spans, "no quiet hours unless asked")
}

// agreeingResults sets o's results to the totals of its rows, as a
// GET /v1/results that agrees with them answers.
func agreeingResults(o *soak.Observed) {
	res := &soak.ResultTotals{Runs: int64(len(o.Records)), SurveysSent: int64(o.Surveys), Answered: int64(len(o.StoreAnswers)),
		Scores: map[int]int64{}}
	for _, d := range o.Deliveries {
		if d.Status == "sent" {
			res.MessagesSent++
		}
	}
	for _, a := range o.StoreAnswers {
		res.Scores[a.Score]++
	}
	o.Results, o.ResultsErr = res, ""
}
