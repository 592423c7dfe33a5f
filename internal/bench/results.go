package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// The results figures: a store filled with ResultsAnswers survey answers
// and ResultsMessages messages over 100 days (through the store's bulk
// path, which writes the same rows and facts as the live writes, then
// folded as the starter folds), GET /v1/results over the last 90 days
// grouped by day and by agent beside the same query as a plain scan of the
// raw rows, GET /v1/answers' page 5,000 beside its page 1, and the store's
// writes of an event and of a message with the results' facts beside the
// same writes without them.

// benchEntryPrefix names the entries of the loaded runs, so a second run
// of the bench finds them and loads nothing again.
const benchEntryPrefix = "bench-results-"

// resultsLoad says how much was loaded, and how long it took.
type resultsLoad struct {
	runs, messages, answers int
	took                    time.Duration
	existed                 bool
}

// loadResults fills the store, unless a run of the bench already has.
func (s *system) loadResults(ctx context.Context, st *store.Store) (resultsLoad, error) {
	want := resultsLoad{runs: s.cfg.ResultsMessages / 2, messages: s.cfg.ResultsMessages, answers: s.cfg.ResultsAnswers}
	var have int
	if err := st.DB().GetContext(ctx, &have, `SELECT count(*) FROM survey_answers WHERE entry_id LIKE $1`, benchEntryPrefix+"%"); err != nil {
		return want, err
	}
	if have >= want.answers {
		want.existed = true
		s.say("results: %d answers are loaded already", have)
		return want, s.foldAll(ctx, st)
	}
	if have > 0 {
		return want, fmt.Errorf("the store holds %d of the bench's answers, not %d: use a fresh store", have, want.answers)
	}
	started := time.Now()
	now := time.Now().UTC().Truncate(time.Minute)
	first := now.Add(-100 * 24 * time.Hour)
	rng := rand.New(rand.NewPCG(16, 90))
	const chunk = 10_000
	span := float64(now.Sub(first)) / float64(want.runs)
	for i := 0; i < want.runs; i += chunk {
		var batch []store.BulkRun
		for j := i; j < min(i+chunk, want.runs); j++ {
			at := first.Add(time.Duration(span*float64(j)) + time.Duration(rng.Int64N(int64(time.Minute))))
			// Answers spread evenly: run j's survey is answered when the
			// count due by it grows, so exactly want.answers are.
			answered := (j+1)*want.answers/want.runs > j*want.answers/want.runs
			batch = append(batch, benchRun(rng, j, at, now, answered))
		}
		if err := st.BulkLoad(ctx, batch); err != nil {
			return want, err
		}
		if (i/chunk)%10 == 0 {
			s.say("results: loaded %d of %d runs (%s)", i+len(batch), want.runs, time.Since(started).Round(time.Second))
		}
	}
	if err := s.foldAll(ctx, st); err != nil {
		return want, err
	}
	// As autovacuum does of a table that grew: the planner needs to know
	// the tables are large now.
	if _, err := st.DB().ExecContext(ctx, `ANALYZE runs, deliveries, sms_statuses, surveys, survey_answers, result_facts, result_rollup`); err != nil {
		return want, err
	}
	want.took = time.Since(started)
	return want, nil
}

// foldAll folds every fact not folded yet, beside the starter's folding.
func (s *system) foldAll(ctx context.Context, st *store.Store) error {
	started := time.Now()
	last := time.Now()
	for {
		n, err := st.FoldResults(ctx, 50_000)
		if err != nil {
			return err
		}
		if n > 0 {
			if time.Since(last) > 30*time.Second {
				s.say("results: folding the facts (%s)", time.Since(started).Round(time.Second))
				last = time.Now()
			}
			continue
		}
		left, err := st.PendingFacts(ctx)
		if err != nil {
			return err
		}
		if left == 0 {
			s.say("results: every fact folded (%s)", time.Since(started).Round(time.Second))
			return nil
		}
		time.Sleep(100 * time.Millisecond) // the starter is folding a batch
	}
}

var benchDispositions = []string{"Problem solved", "Answer provided", "Spam", "Need more information", "Needs approval", "Approved",
	"Handled by other action"}

// benchRun is run j of the loaded ones: one of ten entries (two ask on
// 0-10), one of 200 agents (each of one service), a survey whose link is
// sent, answered when answered is, minutes to hours later, and a
// follow-up message sent, held then sent, skipped or failed.
func benchRun(rng *rand.Rand, j int, at, now time.Time, answered bool) store.BulkRun {
	entry := j % 10
	agent := rng.IntN(200)
	channel := []string{"voice", "chat", "email"}[rng.IntN(3)]
	variant := ""
	if entry < 3 {
		variant = []string{"a", "b"}[rng.IntN(2)]
	}
	id := fmt.Sprintf("BR-%d", j)
	wf := fmt.Sprintf("%s%d/%s", benchEntryPrefix, entry, id)
	ended := at.Add(time.Duration(24+rng.IntN(72)) * time.Hour)
	run := store.Run{WorkflowID: wf, RunID: "bench", EntryID: fmt.Sprintf("%s%d", benchEntryPrefix, entry), EntryVersion: 1,
		InteractionID: id, Trigger: "disposition", StartedAt: at, CustomerID: "BC-" + fmt.Sprint(j),
		Service: fmt.Sprintf("Service %d", agent%5), AgentID: fmt.Sprintf("A-%03d", agent),
		Disposition: benchDispositions[rng.IntN(len(benchDispositions))], Channel: channel, InteractionEndedAt: &at,
		Variant: variant, Status: store.RunCompleted, EndedAt: &ended}
	if ended.After(now) {
		run.Status, run.EndedAt = store.RunRunning, nil
	}
	b := store.BulkRun{Run: run}

	sms := entry%2 == 0
	surveyChannel, report := "email", ""
	if sms {
		surveyChannel = "sms"
		report = []string{"delivered", "delivered", "delivered", "delivered", "delivered", "delivered", "delivered", "delivered",
			"undelivered", "sent"}[rng.IntN(10)]
	}
	opened := at.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
	sent := opened.Add(time.Duration(1+rng.IntN(20)) * time.Second)
	b.Messages = append(b.Messages, store.BulkMessage{StepID: "survey", Channel: surveyChannel, Status: store.DeliverySent, Survey: true,
		CreatedAt: opened, SentAt: &sent, SMSStatus: report})
	scaleName := "1-5"
	if entry >= 8 {
		scaleName = "0-10"
	}
	sv := &store.BulkSurvey{StepID: "survey", Scale: scaleName, Channel: surveyChannel, CreatedAt: opened, SentAt: &sent}
	if report == "delivered" {
		d := sent.Add(time.Minute)
		sv.DeliveredAt = &d
	}
	if answered {
		// Minutes to answer: most within the hour, a long tail of days.
		minutes := math.Exp(rng.NormFloat64()*1.6 + math.Log(25))
		score := 1 + rng.IntN(5)
		if scaleName == "0-10" {
			score = rng.IntN(11)
		}
		sv.Answer = &store.BulkAnswer{Score: score, Comment: "A comment of some length from the customer about the call.",
			AnsweredAt: sent.Add(time.Duration(minutes * float64(time.Minute))), Late: minutes > 24*60}
	}
	b.Survey = sv

	follow := store.BulkMessage{StepID: "follow-up", Channel: []string{"email", "sms"}[rng.IntN(2)],
		CreatedAt: at.Add(time.Duration(60+rng.IntN(3*24*60)) * time.Minute)}
	switch k := rng.IntN(100); {
	case k < 80:
		follow.Status, follow.SentAt = store.DeliverySent, ptr(follow.CreatedAt.Add(2*time.Second))
	case k < 88:
		follow.Status, follow.HeldAt = store.DeliverySent, ptr(follow.CreatedAt)
		follow.SentAt = ptr(follow.CreatedAt.Add(9 * time.Hour))
	case k < 96:
		follow.Status = store.DeliverySkipped
		follow.ReasonCode = []string{policy.CodeOptedOut, policy.CodeDailyCap, policy.CodeSurveyGrace}[rng.IntN(3)]
	default:
		follow.Status = store.DeliveryFailed
	}
	if follow.Channel == "sms" && follow.SentAt != nil {
		follow.SMSStatus = "delivered"
	}
	b.Messages = append(b.Messages, follow)
	return b
}

func ptr[T any](v T) *T { return &v }

// resultsFigures measures the results figures.
func (s *system) resultsFigures(ctx context.Context) ([]Row, error) {
	st, err := store.Open(ctx, s.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	load, err := s.loadResults(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("loading the results: %w", err)
	}
	var rows []Row
	loadRow := Row{Figure: fmt.Sprintf("results: %d answers, %d messages loaded (bulk path, facts folded)", load.answers, load.messages),
		Value: "loaded by an earlier run"}
	if !load.existed {
		loadRow.Value = load.took.Round(time.Second).String()
	}
	rows = append(rows, loadRow)

	zone := "America/New_York"
	loc, _ := time.LoadLocation(zone)
	y, m, d := time.Now().In(loc).Date()
	to := time.Date(y, m, d, 0, 0, 0, 0, loc).AddDate(0, 0, -1)
	from := to.AddDate(0, 0, -89)
	for _, groupBy := range []string{"day", "agent"} {
		q := url.Values{"group_by": {groupBy}, "tz": {zone}, "from": {from.Format(results.DateLayout)}, "to": {to.Format(results.DateLayout)}}
		api := s.timeResults(ctx, q, s.cfg.ResultsQueries)
		query, err := s.resultsQuery(groupBy, zone, from, to)
		if err != nil {
			return rows, err
		}
		raw := s.timeReference(ctx, st, query, 3)
		p95 := api.percentile(95)
		rows = append(rows, Row{
			Figure:    fmt.Sprintf("GET /v1/results by %s, 90 days in %s", groupBy, zone),
			Value:     fmt.Sprintf("p95 %s (p50 %s, %d requests)", ms(p95), ms(api.percentile(50)), api.ok),
			Reference: fmt.Sprintf("plain scan of the raw rows: p50 %s", ms(raw.percentile(50))),
			Ratio:     ratio(float64(p95), float64(raw.percentile(50))),
			Goal:      "< 200 ms p95", Met: met(api.ok > 0 && api.failed == 0 && p95 < 200*time.Millisecond),
			Note: errText(api),
		})
	}

	// Page 5,000 of 50 needs 250,000 answers; fewer reach a page less deep.
	page := min(5000, load.answers/50)
	first, deep, err := s.answerPages(ctx, page, 50)
	if err != nil {
		return rows, err
	}
	rows = append(rows, Row{
		Figure:    fmt.Sprintf("GET /v1/answers page %d (50 a page)", page),
		Value:     fmt.Sprintf("p50 %s, p95 %s", ms(deep.percentile(50)), ms(deep.percentile(95))),
		Reference: fmt.Sprintf("page 1: p50 %s, p95 %s", ms(first.percentile(50)), ms(first.percentile(95))),
		Ratio:     ratio(float64(deep.percentile(50)), float64(first.percentile(50))),
		Goal:      "within 2× of page 1",
		Met:       met(deep.failed == 0 && deep.percentile(50) <= 2*first.percentile(50)),
		Note:      errText(deep),
	})

	rows = append(rows, s.writeFigures(ctx, st)...)
	return rows, nil
}

// resultsQuery is the query GET /v1/results makes of its parameters.
func (s *system) resultsQuery(groupBy, zone string, from, to time.Time) (results.Query, error) {
	dims, err := results.ParseGroupBy(groupBy)
	if err != nil {
		return results.Query{}, err
	}
	loc, err := results.LoadZone("tz", zone)
	if err != nil {
		return results.Query{}, err
	}
	p, err := results.ParsePeriod(from.Format(results.DateLayout), to.Format(results.DateLayout), loc, time.Now(), true)
	if err != nil {
		return results.Query{}, err
	}
	return results.Query{Period: p, ZoneName: zone, GroupBy: dims}, nil
}

// getOK is get for an answer that must be 200.
func (s *system) getOK(ctx context.Context, path string, out any) error {
	status, err := s.get(ctx, path, out)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("GET %s answered %d", path, status)
	}
	return err
}

// timeResults asks GET /v1/results n times, one after the other, after
// two to warm up.
func (s *system) timeResults(ctx context.Context, q url.Values, n int) tally {
	path := "/v1/results?" + q.Encode()
	for range 2 {
		_ = s.getOK(ctx, path, nil)
	}
	s.say("results: GET %s, %d times", path, n)
	var t tally
	start := time.Now()
	for range n {
		began := time.Now()
		err := s.getOK(ctx, path, nil)
		t.latencies = append(t.latencies, time.Since(began))
		t.count(err)
	}
	t.elapsed = time.Since(start)
	return t
}

// timeReference computes q from the raw rows n times.
func (s *system) timeReference(ctx context.Context, st *store.Store, q results.Query, n int) tally {
	s.say("results: the same query by %v from the raw rows, %d times", q.GroupBy, n)
	var t tally
	for range n {
		began := time.Now()
		_, _, err := st.ReferenceResults(ctx, q)
		t.latencies = append(t.latencies, time.Since(began))
		t.count(err)
	}
	return t
}

// answerPages times page 1 and page `page` of GET /v1/answers, of size
// each, in turns: the deep page's cursor is found by walking the list.
func (s *system) answerPages(ctx context.Context, page, size int) (first, deep tally, err error) {
	s.say("answers: walking to page %d", page)
	type body struct {
		NextCursor *string `json:"next_cursor"`
	}
	cursor := ""
	skip := (page - 1) * size
	for skip > 0 {
		limit := min(1000, skip)
		if skip%1000 != 0 && limit == 1000 {
			limit = skip % 1000
		}
		var b body
		path := fmt.Sprintf("/v1/answers?limit=%d", limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := s.getOK(ctx, path, &b); err != nil {
			return first, deep, err
		}
		if b.NextCursor == nil {
			return first, deep, fmt.Errorf("the answers end before page %d", page)
		}
		cursor, skip = *b.NextCursor, skip-limit
	}
	firstPath := fmt.Sprintf("/v1/answers?limit=%d", size)
	deepPath := firstPath + "&cursor=" + url.QueryEscape(cursor)
	for range 3 { // warm up
		_ = s.getOK(ctx, firstPath, nil)
		_ = s.getOK(ctx, deepPath, nil)
	}
	s.say("answers: page 1 and page %d, in turns", page)
	for range 40 {
		for _, p := range []struct {
			path string
			t    *tally
		}{{firstPath, &first}, {deepPath, &deep}} {
			began := time.Now()
			err := s.getOK(ctx, p.path, nil)
			p.t.latencies = append(p.t.latencies, time.Since(began))
			p.t.count(err)
		}
	}
	return first, deep, nil
}

// writeFigures measures ingest (Service.Ingest of an event that starts a
// run in Temporal) and a send (the SendEmail activity, the policy's
// decision, the provider and the records) with the results' facts beside
// the same without them, in turns, in this process on the system's
// PostgreSQL and Temporal; and the store's writes of each alone, where the
// facts' share shows most.
func (s *system) writeFigures(ctx context.Context, st *store.Store) []Row {
	var next atomic.Int64
	stamp := s.stamp
	queue := "ccflow-bench-writes-" + stamp // no worker polls it: the runs wait, started
	svc := &usecase.Service{Store: st, Temporal: s.cfg.Temporal, TaskQueue: queue, Log: slog.New(slog.DiscardHandler)}
	def := entry.Entry{ID: "bench-writes", Name: "Bench writes", Service: "Bench Writes", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "mark", Spec: &entry.SetVariable{Name: "bench", Value: "yes"}}}}
	if _, err := svc.Entry(ctx, def.ID); err != nil {
		if _, err := svc.CreateEntry(ctx, def); err != nil {
			return []Row{{Figure: "ingest with the results' facts", Note: "creating its entry: " + err.Error()}}
		}
	}
	ingest := func(ctx context.Context, i int) error {
		ev := s.event("Bench Writes", "writes", i)
		ev.Agent = &interaction.Agent{ID: fmt.Sprintf("A-%03d", i%200)}
		_, err := svc.Ingest(ctx, ev, false)
		return err
	}
	acts := &activities.Activities{Store: st, Mailer: outbox.NewMailer(s.cfg.OutboxDir), From: "bench@localhost",
		PublicURL: "http://localhost:8080", Signer: tokens.NewSigner([]byte("bench-bench-bench-bench-bench-32")),
		Log: slog.New(slog.DiscardHandler)}
	send := func(ctx context.Context, i int) error {
		wf := fmt.Sprintf("bench-writes/%s-%d", stamp, i%5000)
		_, err := acts.SendEmail(ctx, workflows.EmailInput{Key: fmt.Sprintf("%s/mail-%d", wf, i), WorkflowID: wf,
			StepID: fmt.Sprint("mail-", i), To: fmt.Sprintf("bench-%d@example.com", i), Subject: "Hello", Text: "Hello there",
			Contact: &workflows.Contact{CustomerID: fmt.Sprint("BW-", i), Recipient: true, EntryID: "bench-writes",
				InteractionID: fmt.Sprint(i), RunStartedAt: time.Now()}})
		return err
	}
	claim := func(ctx context.Context, i int) error {
		wf := fmt.Sprintf("bench-writes/%s-c%d", stamp, i)
		c := store.Run{WorkflowID: wf, EntryID: "bench-writes", EntryVersion: 1, InteractionID: fmt.Sprint(i), Trigger: "t",
			Service: "Billing", AgentID: fmt.Sprintf("A-%d", i%200), Disposition: "Problem solved", Channel: "voice"}
		if _, err := st.ClaimRuns(ctx, []store.Run{c}); err != nil {
			return err
		}
		return st.ConfirmRuns(ctx, []store.Run{{WorkflowID: wf, RunID: "r", EntryVersion: 1, Trigger: "t"}})
	}
	record := func(ctx context.Context, i int) error {
		wf := fmt.Sprintf("bench-writes/%s-%d", stamp, i%5000)
		key := fmt.Sprintf("%s/msg-%d", wf, i)
		_, err := st.DecideSend(ctx, store.SendAttempt{Delivery: store.Delivery{Key: key, WorkflowID: wf, StepID: "msg", Channel: "sms",
			Recipient: "+15550000000", CustomerKey: fmt.Sprint("bench-", i), EntryID: "bench-writes", AddressHash: key},
			Owner: key, LeaseFor: time.Minute, Now: time.Now()},
			func(policy.Policy, policy.Request) policy.Decision { return policy.Decision{Outcome: policy.Send} })
		if err != nil {
			return err
		}
		_, err = st.MarkDelivered(ctx, key, "P"+key)
		return err
	}
	var rows []Row
	for _, w := range []struct {
		name, goal string
		fn         op
	}{
		{"ingest: an event that starts a run (Service.Ingest)", "≥ 0.90 (≤ 10 % slower)", ingest},
		{"send: an email through the policy to the provider (SendEmail)", "≥ 0.90 (≤ 10 % slower)", send},
		{"store alone: an event's writes (claim, confirm)", "", claim},
		{"store alone: an SMS's writes (decide, record the send)", "", record},
	} {
		s.say("writes: %s, with and without the results' facts, %s in all, in turns", w.name, s.cfg.Phase)
		with, without := alternate(ctx, 4, s.cfg.Phase/8,
			func(d time.Duration) tally {
				st.KeepResults(true)
				return closedLoop(ctx, s.cfg.InFlight, d, &next, w.fn)
			},
			func(d time.Duration) tally {
				st.KeepResults(false)
				return closedLoop(ctx, s.cfg.InFlight, d, &next, w.fn)
			})
		st.KeepResults(true)
		r := ratio(with.rate(), without.rate())
		row := Row{
			Figure:    w.name + ", with the results' facts",
			Value:     perSecond(with.rate()) + latencyText(with),
			Reference: "without them: " + perSecond(without.rate()) + latencyText(without),
			Ratio:     r, Goal: w.goal,
			Note: errText(with) + errText(without),
		}
		if w.goal != "" {
			row.Met = met(with.failed == 0 && r >= 0.9)
		}
		rows = append(rows, row)
	}
	return rows
}
