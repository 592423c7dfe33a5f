package soak

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq" // the deliveries, runs and answers are read from PostgreSQL
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/client/loadgen"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/internal/devenv"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/workflows"
)

// Config says how big the soak is and how much chaos it makes.
type Config struct {
	Plan Plan
	// Rate is the events posted per second, open loop.
	Rate float64
	// Concurrency bounds the posts in flight (retries included).
	Concurrency int
	// Kills, TemporalRestarts and PostgresRestarts are spread over the
	// time the events are sent.
	Kills, TemporalRestarts, PostgresRestarts int
	// Drain is how long the soak waits, after the last event, for every
	// run to finish.
	Drain time.Duration
	// Progress gets the progress lines.
	Progress io.Writer
	// LogDir, when set, keeps the processes' logs.
	LogDir string
}

// Run starts a ccflow and its providers, runs the soak against it and
// returns the table's figures.
func Run(ctx context.Context, cfg Config) (Params, Report, error) {
	begin := time.Now()
	p := newPrinter(cfg.Progress)
	smtpServer, err := testenv.NewSMTPServer()
	if err != nil {
		return Params{}, Report{}, err
	}
	defer smtpServer.Close()
	twilio := testenv.NewTwilio()
	defer twilio.Close()

	p.line("starting ccflow (PostgreSQL, the Temporal dev server on SQLite, the worker and the starter)")
	sys, err := devenv.StartSystem(ctx, devenv.SystemOptions{
		LogDir: cfg.LogDir,
		Env: []string{
			"SMTP_URL=" + smtpServer.URL(),
			"EMAIL_FROM=" + Sender,
			"TWILIO_ACCOUNT_SID=" + twilio.AccountSID,
			"TWILIO_AUTH_TOKEN=" + twilio.AuthToken,
			"TWILIO_FROM=+15550001111",
			"TWILIO_API_URL=" + twilio.URL,
		},
	})
	if err != nil {
		return Params{}, Report{}, err
	}
	defer sys.Stop()
	workerStarted := time.Now()

	s := &soaker{
		cfg: cfg, sys: sys, p: p, smtp: smtpServer, twilio: twilio, began: begin,
		http:     &http.Client{Timeout: 15 * time.Second},
		accepted: map[string]bool{}, matched: map[string]bool{}, retried: map[int]int{},
		answers: map[string]AnswerOutcome{}, answering: map[string]bool{}, optingOut: map[string]bool{},
	}
	s.api = apiclient.New(sys.URL, sys.Token, s.http)
	sendFor := time.Duration(float64(cfg.Plan.Events) / cfg.Rate * float64(time.Second))
	s.quiet = cfg.Plan.Quiet(time.Now(), sendFor)
	if err := s.setUp(ctx); err != nil {
		return Params{}, Report{}, err
	}
	tc, err := client.DialContext(ctx, client.Options{
		HostPort: sys.TemporalAddress, Namespace: sys.Namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return Params{}, Report{}, fmt.Errorf("connecting to Temporal at %s: %w", sys.TemporalAddress, err)
	}
	defer tc.Close()

	events, err := loadgen.NewEvents(examples.InteractionEnded, loadgen.NewRunID(), cfg.Plan.Events)
	if err != nil {
		return Params{}, Report{}, err
	}
	events.Vary(cfg.Plan.Vary)
	s.ids = make([]string, events.Count())
	s.index = map[string]int{}
	for i := 1; i <= events.Count(); i++ {
		s.ids[i-1] = events.ID(i)
		s.index[events.ID(i)] = i
	}

	answerCtx, stopAnswering := context.WithCancel(ctx)
	answered := make(chan struct{})
	go func() { defer close(answered); s.answerSurveys(answerCtx) }()

	chaosDone := make(chan struct{})
	s.workerStarted = workerStarted
	superviseCtx, stopSupervising := context.WithCancel(ctx)
	supervised := make(chan struct{})
	go func() { defer close(supervised); s.supervise(superviseCtx) }()
	defer func() { stopSupervising(); <-supervised }()
	go func() { defer close(chaosDone); s.chaos(ctx, sendFor) }()

	p.line("posting %d events at %.0f/s (about %s) while the chaos runs", cfg.Plan.Events, cfg.Rate, sendFor.Round(time.Second))
	summary := loadgen.Run(ctx, events, loadgen.Config{
		Send: s.post, Concurrency: cfg.Concurrency, Rate: cfg.Rate,
		Progress: p, ProgressEvery: 2 * time.Second,
	})
	<-chaosDone
	s.drain(ctx, tc)
	// Answers still being given finish (or give up) before the count.
	stopAnswering()
	<-answered
	s.answerWG.Wait()

	obs, err := s.observe(ctx, tc)
	if err != nil {
		return Params{}, Report{}, err
	}
	report := Tally(obs)
	if cfg.LogDir != "" {
		for _, wf := range report.Suspects {
			if err := saveHistory(ctx, tc, cfg.LogDir, wf); err != nil {
				p.line("keeping the history of %s: %v", wf, err)
			}
		}
		if len(report.Suspects) > 0 {
			p.line("kept the histories of %d runs with problems in %s", len(report.Suspects), cfg.LogDir)
		}
	}
	params := Params{
		Events: cfg.Plan.Events, Rate: cfg.Rate,
		Kills: len(obs.Kills), TemporalRestarts: s.temporalRestarts, PostgresRestarts: len(obs.PostgresDown),
		SendFor: summary.Elapsed, Elapsed: time.Since(begin),
		LatencyP50: summary.Latency.P50, LatencyP99: summary.Latency.P99,
		Quiet: s.quiet, DailyCap: cfg.Plan.DailyCap, OptOuts: len(obs.OptOuts), SupervisorStarts: s.supervisorStarts,
	}
	return params, report, ctx.Err()
}

// soaker is one soak's state.
type soaker struct {
	cfg    Config
	sys    *devenv.RunningSystem
	p      *printer
	smtp   *testenv.SMTP
	twilio *testenv.TwilioServer
	http   *http.Client
	api    *apiclient.Client
	ids    []string
	index  map[string]int // interaction id -> event number
	began  time.Time

	mu                sync.Mutex
	posts             int
	accepted, matched map[string]bool
	retried           map[int]int
	answers           map[string]AnswerOutcome
	answering         map[string]bool
	answerWG          sync.WaitGroup
	kills             []Kill
	pgDown            []Window
	temporalRestarts  int
	quiet             Quiet
	optingOut         map[string]bool
	optOuts           []OptOut

	// workerMu keeps the chaos's kill and start of the worker and the
	// supervisor's restart apart; workerStarted is when the worker running
	// now started, supervisorStarts how often the supervisor started one.
	workerMu         sync.Mutex
	workerStarted    time.Time
	supervisorStarts int
}

// supervise starts the worker again whenever it is not running, as a
// supervisor (systemd, Kubernetes) would: a worker that starts while
// PostgreSQL restarts exits at once, and the soak goes on with one.
func (s *soaker) supervise(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.workerMu.Lock()
		if _, running := s.sys.PIDs()["worker"]; !running {
			if err := s.sys.StartWorker(); err != nil {
				s.p.line("supervisor: starting the worker: %v", err)
			} else {
				s.workerStarted = time.Now()
				s.supervisorStarts++
				s.p.line("supervisor: the worker had exited; started it again")
			}
		}
		s.workerMu.Unlock()
	}
}

// setUp applies the soak's contact policy and entries.
func (s *soaker) setUp(ctx context.Context) error {
	if err := s.call(ctx, http.MethodPut, "/v1/policy", s.cfg.Plan.Policy(s.quiet)); err != nil {
		return err
	}
	for _, ch := range []string{"sms", "email"} {
		if w, ok := s.quiet.Spans[ch]; ok {
			s.p.line("%s quiet hours from %s to %s (%s)", ch, w.From.Format("15:04"), w.To.Format("15:04"), w.To.Sub(w.From))
		}
	}
	if s.cfg.Plan.DailyCap > 0 {
		s.p.line("daily cap %d per customer and channel, two runs (four messages) per customer", s.cfg.Plan.DailyCap)
	}
	for _, e := range s.cfg.Plan.Entries() {
		if err := s.call(ctx, http.MethodPost, "/v1/entries", e); err != nil {
			return err
		}
	}
	return nil
}

// call sends one JSON request to the API and fails unless it is answered 2xx.
func (s *soaker) call(ctx context.Context, method, path string, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, s.sys.URL+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.sys.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, answer)
	}
	return nil
}

// post is the load generator's SendFunc: it posts the event as the plan
// says (once, twice in a row or twice at once), each post retried as a
// backend retries.
func (s *soaker) post(ctx context.Context, event json.RawMessage) (interaction.Result, error) {
	var ev struct {
		InteractionID string `json:"interaction_id"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return interaction.Result{}, err
	}
	i := s.index[ev.InteractionID]
	n, together := s.cfg.Plan.Posts(i)
	results := make([]interaction.Result, n)
	errs := make([]error, n)
	if together {
		var wg sync.WaitGroup
		for k := range n {
			wg.Go(func() { results[k], errs[k] = s.postRetrying(ctx, event) })
		}
		wg.Wait()
	} else {
		for k := range n {
			results[k], errs[k] = s.postRetrying(ctx, event)
		}
	}
	entry := s.cfg.Plan.Entry(i)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range n {
		if errs[k] != nil {
			continue
		}
		s.accepted[ev.InteractionID] = true
		for _, m := range results[k].Matches {
			if m.EntryID == entry && (m.Status == interaction.StatusStarted || m.Status == interaction.StatusAlreadyStarted) {
				s.matched[ev.InteractionID] = true
			}
		}
	}
	return results[0], errors.Join(errs...)
}

// postRetrying posts the event until it is answered 2xx or 4xx, waiting
// a little longer after each 5xx or missing answer, as a backend does.
func (s *soaker) postRetrying(ctx context.Context, event json.RawMessage) (interaction.Result, error) {
	wait := 200 * time.Millisecond
	for {
		s.mu.Lock()
		s.posts++
		s.mu.Unlock()
		res, err := s.api.Ingest(ctx, event)
		if err == nil {
			return res, nil
		}
		status := 0
		var apiErr *apiclient.Error
		if errors.As(err, &apiErr) {
			status = apiErr.Status
		}
		if status != 0 && status < 500 && status != http.StatusTooManyRequests {
			return res, err
		}
		s.mu.Lock()
		s.retried[status]++
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return res, err
		case <-time.After(wait):
		}
		wait = min(wait*2, 3*time.Second)
	}
}

// answerSurveys watches the messages the providers take and answers the
// surveys the plan answers, through the link's form or the JSON API.
func (s *soaker) answerSurveys(ctx context.Context) {
	seenEmail, seenSMS := 0, 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		emails := s.smtp.MessagesFrom(seenEmail)
		seenEmail += len(emails)
		for _, m := range emails {
			s.maybeAnswer(ctx, m.Subject+"\n"+m.Text)
			s.maybeOptOut(ctx, m.Subject+"\n"+m.Text)
		}
		texts := s.twilio.MessagesFrom(seenSMS)
		seenSMS += len(texts)
		for _, m := range texts {
			s.maybeAnswer(ctx, m.Body)
			s.maybeOptOut(ctx, m.Body)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// answerers bounds the answers being given at once.
var answerers = make(chan struct{}, 16)

func (s *soaker) maybeAnswer(ctx context.Context, body string) {
	m, ok := Parse(body)
	if !ok || m.Step != SurveyStep || m.Token == "" {
		return
	}
	i := s.index[m.InteractionID]
	if i == 0 || !s.cfg.Plan.Answered(i) {
		return
	}
	s.mu.Lock()
	if s.answering[m.InteractionID] {
		s.mu.Unlock()
		return
	}
	s.answering[m.InteractionID] = true
	s.mu.Unlock()
	s.answerWG.Go(func() {
		answerers <- struct{}{}
		defer func() { <-answerers }()
		outcome := s.answer(context.WithoutCancel(ctx), i, m)
		s.mu.Lock()
		s.answers[m.InteractionID] = outcome
		s.mu.Unlock()
	})
}

// maybeOptOut opts the customer of a survey the plan opts out of its
// channel, through POST /v1/suppressions, with the address written another
// way than the event wrote it; it retries 5xx and missing answers, and
// records when it asked and when the opt-out was answered.
func (s *soaker) maybeOptOut(ctx context.Context, body string) {
	m, ok := Parse(body)
	if !ok || m.Step != SurveyStep {
		return
	}
	i := s.index[m.InteractionID]
	if i == 0 || !s.cfg.Plan.OptsOut(i) {
		return
	}
	s.mu.Lock()
	if s.optingOut[m.InteractionID] {
		s.mu.Unlock()
		return
	}
	s.optingOut[m.InteractionID] = true
	s.mu.Unlock()
	channel, c := s.cfg.Plan.Channel(i), s.cfg.Plan.Customer(i)
	s.answerWG.Go(func() {
		ctx := context.WithoutCancel(ctx)
		o := OptOut{Channel: channel, Customer: CustomerID(c), Requested: time.Now()}
		body := map[string]any{"channel": channel, "address": AddressWrittenAnotherWay(channel, c), "reason": "soak " + m.InteractionID}
		wait := 200 * time.Millisecond
		for deadline := time.Now().Add(answerGiveUp); time.Now().Before(deadline); {
			err := s.call(ctx, http.MethodPost, "/v1/suppressions", body)
			if err == nil {
				o.Answered = time.Now()
				break
			}
			time.Sleep(wait)
			wait = min(wait*2, 3*time.Second)
		}
		if o.Answered.IsZero() {
			s.p.line("opting %s out of %s: gave up", o.Customer, channel)
		}
		s.mu.Lock()
		s.optOuts = append(s.optOuts, o)
		s.mu.Unlock()
	})
}

// answerGiveUp is how long the soak keeps trying to answer one survey.
const answerGiveUp = 2 * time.Minute

// answer gives event i's survey its score, retrying on 5xx and missing
// answers; 409 (already answered: an earlier try got through) counts as
// taken, 410 as closed.
func (s *soaker) answer(ctx context.Context, i int, m Parsed) AnswerOutcome {
	deadline := time.Now().Add(answerGiveUp)
	score := s.cfg.Plan.Score(i)
	comment := "soak answer " + m.InteractionID
	wait := 200 * time.Millisecond
	for time.Now().Before(deadline) {
		var req *http.Request
		var err error
		if s.cfg.Plan.AnswerByForm(i) {
			form := url.Values{"score": {strconv.Itoa(score)}, "comment": {comment}}
			// The link as the message carries it, as a customer's browser posts it.
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, m.Link, strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		} else {
			body, _ := json.Marshal(map[string]any{"score": score, "comment": comment})
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.sys.URL+"/v1/surveys/"+m.Token+"/responses", bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+s.sys.Token)
			}
		}
		if err != nil {
			return AnswerFailed
		}
		resp, err := s.http.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode/100 == 2, resp.StatusCode == http.StatusConflict:
				return AnswerTaken
			case resp.StatusCode == http.StatusGone:
				return AnswerClosed
			case resp.StatusCode < 500:
				s.p.line("answering the survey of %s: %d", m.InteractionID, resp.StatusCode)
				return AnswerFailed
			}
		}
		time.Sleep(wait)
		wait = min(wait*2, 3*time.Second)
	}
	return AnswerFailed
}

// chaos kills the worker and restarts the Temporal dev server and
// PostgreSQL, spread over the time the events are sent.
func (s *soaker) chaos(ctx context.Context, sendFor time.Duration) {
	start := time.Now()
	for _, a := range Schedule(s.cfg.Kills, s.cfg.TemporalRestarts, s.cfg.PostgresRestarts) {
		due := start.Add(time.Duration(a.At * float64(sendFor)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(due)):
		}
		pids := s.sys.PIDs()
		switch a.What {
		case KillWorker:
			s.workerMu.Lock()
			at := time.Now()
			if err := s.sys.KillWorker(); err != nil {
				s.workerMu.Unlock()
				s.p.line("chaos: %v", err)
				continue
			}
			s.mu.Lock()
			s.kills = append(s.kills, Kill{Started: s.workerStarted, At: at})
			s.mu.Unlock()
			time.Sleep(time.Second) // as a supervisor notices and starts it again
			s.workerStarted = time.Now()
			err := s.sys.StartWorker()
			s.workerMu.Unlock()
			if err != nil {
				s.p.line("chaos: starting the worker again: %v", err)
				continue
			}
			s.p.line("chaos: kill -9 the worker (pid %d), started it again", pids["worker"])
		case RestartTemporal:
			from := time.Now()
			if err := s.sys.RestartTemporal(ctx); err != nil {
				s.p.line("chaos: restarting the Temporal dev server: %v", err)
				continue
			}
			s.mu.Lock()
			s.temporalRestarts++
			s.mu.Unlock()
			s.p.line("chaos: restarted the Temporal dev server (pid %d), its SQLite state kept: down %s", pids["temporal"], time.Since(from).Round(100*time.Millisecond))
		case RestartPostgres:
			from := time.Now()
			if err := s.sys.RestartPostgres(ctx); err != nil {
				s.p.line("chaos: restarting PostgreSQL: %v", err)
				continue
			}
			s.mu.Lock()
			s.pgDown = append(s.pgDown, Window{From: from, To: time.Now()})
			s.mu.Unlock()
			s.p.line("chaos: restarted PostgreSQL (fast shutdown, pid %d): down %s", pids["postgres"], time.Since(from).Round(100*time.Millisecond))
		}
	}
}

// drain waits until Temporal has a closed run for every event and none
// running, or until the Drain deadline.
func (s *soaker) drain(ctx context.Context, tc client.Client) {
	s.mu.Lock()
	expected := len(s.accepted)
	s.mu.Unlock()
	deadline := time.Now().Add(s.cfg.Drain)
	s.p.line("waiting up to %s for the %d runs to finish", s.cfg.Drain, expected)
	count := func(query string) (int64, error) {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		resp, err := tc.CountWorkflow(qctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return 0, err
		}
		return resp.GetCount(), nil
	}
	typeIs := fmt.Sprintf("WorkflowType = '%s'", workflows.FollowUpWorkflow)
	last := time.Time{}
	for {
		total, err1 := count(typeIs)
		running, err2 := count(typeIs + " AND ExecutionStatus = 'Running'")
		if err := errors.Join(err1, err2); err == nil && running == 0 && total >= int64(expected) {
			s.p.line("every run has finished: %d runs, %d emails and %d SMS received", total, len(s.smtp.Messages()), len(s.twilio.Messages()))
			return
		} else if time.Since(last) >= 5*time.Second {
			last = time.Now()
			if err != nil {
				s.p.line("waiting: counting the runs: %v", err)
			} else {
				s.p.line("waiting: %d of %d runs finished, %d running; %d emails and %d SMS received (of %d expected)",
					total-running, expected, running, len(s.smtp.Messages()), len(s.twilio.Messages()), 2*expected)
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.p.line("gave up waiting after %s", s.cfg.Drain)
			return
		}
		time.Sleep(time.Second)
	}
}

// observe collects what the soak counts: the runs from Temporal, the
// runs table, deliveries and answers from PostgreSQL, the messages from
// the providers.
func (s *soaker) observe(ctx context.Context, tc client.Client) (Observed, error) {
	s.mu.Lock()
	o := Observed{
		Plan: s.cfg.Plan, IDs: s.ids, Accepted: s.accepted, Matched: s.matched, Posts: s.posts, Retried: s.retried,
		Kills: s.kills, PostgresDown: s.pgDown, Answers: s.answers, Quiet: s.quiet, OptOuts: s.optOuts,
		Runs: map[string][]Execution{}, Records: map[string]bool{}, Deliveries: map[string]Delivery{},
		StoreAnswers: map[string]StoreAnswer{},
	}
	s.mu.Unlock()

	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s'", workflows.FollowUpWorkflow), PageSize: 1000, NextPageToken: token,
		})
		if err != nil {
			return Observed{}, fmt.Errorf("listing the runs: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			o.Runs[id] = append(o.Runs[id], Execution{RunID: e.GetExecution().GetRunId(), Status: statusName(e.GetStatus().String())})
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}

	db, err := sql.Open("postgres", s.sys.DatabaseURL)
	if err != nil {
		return Observed{}, err
	}
	defer db.Close()
	err = eachRow(ctx, db, `SELECT workflow_id FROM runs`, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		o.Records[id] = true
		return nil
	})
	if err != nil {
		return Observed{}, fmt.Errorf("reading the runs table: %w", err)
	}
	err = eachRow(ctx, db, `SELECT key, status, provider_id, sent_at, attempts, decision, reason_code, decided_at FROM deliveries`, func(rows *sql.Rows) error {
		var key string
		var d Delivery
		if err := rows.Scan(&key, &d.Status, &d.ProviderID, &d.SentAt, &d.Attempts, &d.Decision, &d.ReasonCode, &d.DecidedAt); err != nil {
			return err
		}
		o.Deliveries[key] = d
		return nil
	})
	if err != nil {
		return Observed{}, fmt.Errorf("reading the deliveries: %w", err)
	}
	err = eachRow(ctx, db, `SELECT s.workflow_id, a.delivered, a.score FROM survey_answers a JOIN surveys s ON s.id = a.survey_id`, func(rows *sql.Rows) error {
		var id string
		var a StoreAnswer
		if err := rows.Scan(&id, &a.Delivered, &a.Score); err != nil {
			return err
		}
		o.StoreAnswers[id] = a
		return nil
	})
	if err != nil {
		return Observed{}, fmt.Errorf("reading the survey answers: %w", err)
	}

	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM surveys WHERE sent_at IS NOT NULL`).Scan(&o.Surveys); err != nil {
		return Observed{}, fmt.Errorf("counting the surveys: %w", err)
	}
	o.Results, o.ResultsErr = s.results(ctx)

	for _, m := range s.smtp.Messages() {
		o.Messages = append(o.Messages, Received{Channel: "email", At: m.Received,
			MessageID: m.Header.Get("Message-ID"), Body: m.Subject + "\n" + m.Text})
	}
	for _, m := range s.twilio.Messages() {
		o.Messages = append(o.Messages, Received{Channel: "sms", At: m.Received, SID: m.SID, Body: m.Body})
	}
	return o, nil
}

// results reads GET /v1/results over the soak's days (in UTC, so every
// fact of the soak is in them), or says why it could not.
func (s *soaker) results(ctx context.Context) (*ResultTotals, string) {
	r, err := s.api.Results(ctx, url.Values{
		"from": {s.began.UTC().Format(time.DateOnly)}, "to": {time.Now().UTC().Format(time.DateOnly)}, "tz": {"UTC"}, "group_by": {"day"},
	})
	if err != nil {
		return nil, err.Error()
	}
	t := r.Totals
	return &ResultTotals{Runs: t.Runs, MessagesSent: t.Messages.Sent, SurveysSent: t.Surveys.Sent,
		Answered: t.Surveys.Answered, Scores: t.Scores}, ""
}

// eachRow runs query and hands each row to scan.
func eachRow(ctx context.Context, db *sql.DB, query string, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// statusName turns WORKFLOW_EXECUTION_STATUS_COMPLETED into Completed.
func statusName(s string) string {
	s = strings.TrimPrefix(s, "WORKFLOW_EXECUTION_STATUS_")
	if s == "" {
		return s
	}
	return s[:1] + strings.ToLower(strings.ReplaceAll(s[1:], "_", " "))
}

// printer writes progress lines. On a terminal, where the load
// generator redraws its bar in place, a line first clears the bar.
type printer struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	start    time.Time
}

func newPrinter(w io.Writer) *printer {
	p := &printer{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

// Write passes the load generator's bar through.
func (p *printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Write(b)
}

func (p *printer) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear := ""
	if p.terminal {
		clear = "\r\x1b[K"
	}
	elapsed := time.Since(p.start).Round(time.Second)
	fmt.Fprintf(p.w, "%ssoak: %6s  %s\n", clear, elapsed, fmt.Sprintf(format, args...))
}

// saveHistory writes the history of workflowID's latest run to dir, as
// JSON the Temporal CLI and the SDK's replayer read.
func saveHistory(ctx context.Context, tc client.Client, dir, workflowID string) error {
	var events []*historypb.HistoryEvent
	iter := tc.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return err
		}
		events = append(events, e)
	}
	data, err := protojson.Marshal(&historypb.History{Events: events})
	if err != nil {
		return err
	}
	name := strings.NewReplacer("/", "_").Replace(workflowID) + ".history.json"
	return os.WriteFile(filepath.Join(dir, name), data, 0o644)
}
