package soak_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/soak"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// healthy is what a soak of two events (1 by email, 2 by SMS, the second
// answered) observes when everything went right.
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
			sent := at.Add(time.Millisecond)
			d := soak.Delivery{Status: "sent", SentAt: &sent, Attempts: 1}
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
				o.Deliveries[email] = soak.Delivery{Status: "sent", SentAt: &recorded, Attempts: 2}
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
				o.Deliveries[sms] = soak.Delivery{Status: "sent", ProviderID: "SM-second", SentAt: &recorded, Attempts: 2}
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
			name: "a duplicate whose earlier copy was recorded before the kill fails",
			change: func(o *soak.Observed) {
				first := o.Messages[3].At
				o.Kills = []soak.Kill{{Started: t0, At: first.Add(time.Second)}}
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
				o.Kills = []soak.Kill{{Started: t0, At: first.Add(time.Second)}}
				o.PostgresDown = []soak.Window{{From: first.Add(-time.Second), To: first.Add(2 * time.Second)}}
				recorded := first.Add(40 * time.Second)
				o.Deliveries[email] = soak.Delivery{Status: "sent", SentAt: &recorded, Attempts: 2}
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
				o.Deliveries[email] = soak.Delivery{Status: "sent", SentAt: &recorded, Attempts: 2}
				// The first copy was accepted by the worker the kill ended,
				// but the record had been given up on by then.
				again(o, 0, 39*time.Second, "")
			},
			failed:  true,
			problem: "longer than the gap can last",
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
