package usecase

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/cursor"
	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/store"
)

// Page sizes of the answers and runs lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
	// exportPage is how many items an export reads at a time: it holds
	// no more than that in memory, however many it streams.
	exportPage = 1000
)

// AnswersRequest selects survey answers, as GET /v1/answers' parameters
// say it; every field is optional.
type AnswersRequest struct {
	// From and To bound the answering time, as in ResultsRequest, in TZ
	// (by default the contact policy's zone).
	From, To, TZ string
	// Entry, Service and Agent keep the answers of runs with that value.
	Entry, Service, Agent string
	// ScoreMin and ScoreMax bound the score, on the survey's own scale.
	ScoreMin, ScoreMax string
	// Order is newest (the default) or lowest (lowest score first).
	Order string
	// Cursor is a page's next_cursor: the page after it. Limit is the
	// page's size, default DefaultPageSize, at most MaxPageSize.
	Cursor, Limit string
}

// ListedAnswer is one survey answer as the answers list shows it.
type ListedAnswer struct {
	WorkflowID    string `json:"workflow_id"`
	EntryID       string `json:"entry_id"`
	EntryVersion  int    `json:"entry_version"`
	InteractionID string `json:"interaction_id"`
	CustomerID    string `json:"customer_id"`
	AgentID       string `json:"agent_id"`
	Service       string `json:"service"`
	Disposition   string `json:"disposition"`
	// Channel is the interaction's (as the event said), SurveyChannel
	// the survey's message's (email or sms).
	Channel       string `json:"channel"`
	SurveyChannel string `json:"survey_channel"`
	Scale         string `json:"scale"`
	Score         int    `json:"score"`
	Comment       string `json:"comment"`
	// Late is true when the answer came after the run stopped waiting.
	Late       bool       `json:"late"`
	StepID     string     `json:"step_id"`
	SentAt     *time.Time `json:"sent_at"`
	AnsweredAt time.Time  `json:"answered_at"`
}

// AnswersPage is one page of the answers list.
type AnswersPage struct {
	Answers []ListedAnswer `json:"answers"`
	// NextCursor continues the list; null on its last page.
	NextCursor *string `json:"next_cursor"`
}

// answersQuery is an AnswersRequest checked, with the canonical text its
// cursors are bound to.
type answersQuery struct {
	store.AnswerQuery
	text string
}

// listPeriod reads a list's from and to in the zone tz (the policy's when
// empty): each bound that does not read, or a from not before to, goes to
// add; the error is one of reading the zone or the policy.
func (s *Service) listPeriod(ctx context.Context, from, to, tz string, add func(error)) (time.Time, time.Time, error) {
	var f, t time.Time
	loc, _, err := s.zone(ctx, tz)
	if err != nil {
		return f, t, err
	}
	if from != "" {
		f, err = results.ParseBound("from", from, loc, false)
		add(err)
	}
	if to != "" {
		t, err = results.ParseBound("to", to, loc, true)
		add(err)
	}
	if !f.IsZero() && !t.IsZero() && !f.Before(t) {
		add(validation.Errorf("from", "%s is not before to (%s)", f.Format(time.RFC3339), t.Format(time.RFC3339)))
	}
	return f, t, nil
}

func (s *Service) parseAnswers(ctx context.Context, req AnswersRequest) (answersQuery, error) {
	var q answersQuery
	var errs validation.Errors
	add := func(err error) {
		// A nil *FieldError is no problem, though not a nil error.
		if fe := validation.First(err); fe != nil {
			errs = append(errs, fe)
		}
	}
	var err error
	if q.From, q.To, err = s.listPeriod(ctx, req.From, req.To, req.TZ, add); err != nil {
		return q, err
	}
	for _, f := range []struct {
		name string
		v    string
		to   *string
	}{{"entry", req.Entry, &q.Entry}, {"service", req.Service, &q.Service}, {"agent", req.Agent, &q.Agent}} {
		add(validation.Line(200).Check(f.name, f.v))
		*f.to = f.v
	}
	q.ScoreMin, err = scoreBound("score_min", req.ScoreMin)
	add(err)
	q.ScoreMax, err = scoreBound("score_max", req.ScoreMax)
	add(err)
	if q.ScoreMin != nil && q.ScoreMax != nil && *q.ScoreMin > *q.ScoreMax {
		add(validation.Errorf("score_min", "%d is above score_max (%d)", *q.ScoreMin, *q.ScoreMax))
	}
	switch req.Order {
	case "", store.AnswersNewest:
		q.Order = store.AnswersNewest
	case store.AnswersLowest:
		q.Order = store.AnswersLowest
	default:
		add(validation.Errorf("order", "%s is not an order of answers (use newest or lowest)", validation.Quote(req.Order)))
	}
	q.Limit, err = limitOf(req.Limit, DefaultPageSize, MaxPageSize)
	add(err)
	if err := errs.Err(); err != nil {
		return q, err
	}
	bound := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	q.text = strings.Join([]string{"answers", timeText(q.From), timeText(q.To), q.Entry, q.Service, q.Agent,
		bound(q.ScoreMin), bound(q.ScoreMax), q.Order}, "\x00")
	if req.Cursor != "" {
		codec, err := s.cursorCodec(ctx)
		if err != nil {
			return q, err
		}
		want := 2
		if q.Order == store.AnswersLowest {
			want = 3
		}
		pos, err := codec.Decode(q.text, req.Cursor, want)
		if err != nil {
			return q, err
		}
		if q.After, err = answerPosition(pos); err != nil {
			return q, err
		}
	}
	return q, nil
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// scoreBound reads score_min or score_max: a whole number from 0 to 10.
func scoreBound(field, text string) (*int, error) {
	if text == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || strconv.Itoa(n) != text || n < 0 || n > results.MaxScore {
		return nil, validation.Errorf(field, "%s is not a whole number from 0 to %d", validation.Quote(text), results.MaxScore)
	}
	return &n, nil
}

// answerPosition reads an answer's position from a cursor: the time and
// survey id, after the score's share when the order is lowest.
func answerPosition(pos []string) (*store.AnswerPosition, error) {
	var p store.AnswerPosition
	if len(pos) == 3 {
		n, err := strconv.Atoi(pos[0])
		if err != nil {
			return nil, validation.Errorf(cursor.Field, "is not a cursor this list gave out")
		}
		p.ScorePct, pos = n, pos[1:]
	}
	at, err := time.Parse(time.RFC3339Nano, pos[0])
	if err != nil {
		return nil, validation.Errorf(cursor.Field, "is not a cursor this list gave out")
	}
	p.AnsweredAt, p.SurveyID = at, pos[1]
	return &p, nil
}

// Answers returns one page of the survey answers req selects, newest
// first or lowest score first, and the cursor of the next page.
func (s *Service) Answers(ctx context.Context, req AnswersRequest) (AnswersPage, error) {
	q, err := s.parseAnswers(ctx, req)
	if err != nil {
		return AnswersPage{}, err
	}
	page := AnswersPage{Answers: []ListedAnswer{}}
	list, err := s.Store.Answers(ctx, q.AnswerQuery)
	if err != nil {
		return page, classify(err)
	}
	for _, a := range list {
		page.Answers = append(page.Answers, listedAnswer(a))
	}
	if len(list) == q.Limit {
		codec, err := s.cursorCodec(ctx)
		if err != nil {
			return page, err
		}
		next := codec.Encode(q.text, answerCursor(q.Order, list[len(list)-1]))
		page.NextCursor = &next
	}
	return page, nil
}

func answerCursor(order string, a store.Answer) []string {
	pos := []string{a.AnsweredAt.UTC().Format(time.RFC3339Nano), a.SurveyID}
	if order == store.AnswersLowest {
		pos = append([]string{strconv.Itoa(a.ScorePct)}, pos...)
	}
	return pos
}

// EachAnswer calls fn with every answer req selects, in its order, from
// its cursor on (Limit is ignored), reading them a page at a time: the
// memory it holds does not grow with their number. It stops at fn's
// first error, or when ctx ends.
func (s *Service) EachAnswer(ctx context.Context, req AnswersRequest, fn func(ListedAnswer) error) error {
	req.Limit = ""
	q, err := s.parseAnswers(ctx, req)
	if err != nil {
		return err
	}
	q.Limit = exportPage
	return eachPage(func() ([]store.Answer, error) { return s.Store.Answers(ctx, q.AnswerQuery) },
		func(last store.Answer) { p := last.Position(); q.After = &p },
		func(a store.Answer) error { return fn(listedAnswer(a)) })
}

// eachPage reads a list a page of exportPage at a time (read, then
// advance past the page's last item) and hands each item to fn, until a
// page comes back short or fn fails.
func eachPage[T any](read func() ([]T, error), advance func(last T), fn func(T) error) error {
	for {
		list, err := read()
		if err != nil {
			return classify(err)
		}
		for _, it := range list {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(list) < exportPage {
			return nil
		}
		advance(list[len(list)-1])
	}
}

// CheckAnswers checks req as Answers and EachAnswer would, so an export
// can refuse bad input before it starts streaming.
func (s *Service) CheckAnswers(ctx context.Context, req AnswersRequest) error {
	req.Limit = ""
	_, err := s.parseAnswers(ctx, req)
	return err
}

func listedAnswer(a store.Answer) ListedAnswer {
	return ListedAnswer{WorkflowID: a.WorkflowID, EntryID: a.EntryID, EntryVersion: a.EntryVersion, InteractionID: a.InteractionID,
		CustomerID: a.CustomerID, AgentID: a.AgentID, Service: a.Service, Disposition: a.Disposition, Channel: a.Channel,
		SurveyChannel: a.SurveyChannel, Scale: a.Scale, Score: a.Score, Comment: a.Comment, Late: a.Late, StepID: a.StepID,
		SentAt: a.SentAt, AnsweredAt: a.AnsweredAt}
}

// RunsRequest selects runs, as GET /v1/runs' parameters say it; every
// field is optional.
type RunsRequest struct {
	// From and To bound the run's start, as in AnswersRequest.
	From, To, TZ string
	// Entry, Status (running, completed, failed, canceled, unknown),
	// Customer (customer.id) and Interaction (interaction_id) filter.
	Entry, Status, Customer, Interaction string
	Cursor, Limit                        string
}

// RunListItem is one run as the runs list shows it, from ccflow's own
// record of it.
type RunListItem struct {
	WorkflowID         string     `json:"workflow_id"`
	RunID              string     `json:"run_id"`
	EntryID            string     `json:"entry_id"`
	EntryVersion       int        `json:"entry_version"`
	InteractionID      string     `json:"interaction_id"`
	CustomerID         string     `json:"customer_id"`
	Service            string     `json:"service"`
	AgentID            string     `json:"agent_id"`
	Disposition        string     `json:"disposition"`
	Channel            string     `json:"channel"`
	Variant            string     `json:"variant"`
	Trigger            string     `json:"trigger"`
	InteractionEndedAt *time.Time `json:"interaction_ended_at"`
	StartedAt          time.Time  `json:"started_at"`
	// Status is running, completed, failed or canceled; unknown for runs
	// started before ccflow recorded how runs end.
	Status  string     `json:"status"`
	Reason  string     `json:"reason"`
	EndedAt *time.Time `json:"ended_at"`
}

// RunsPage is one page of the runs list.
type RunsPage struct {
	Runs       []RunListItem `json:"runs"`
	NextCursor *string       `json:"next_cursor"`
}

// runStatuses are the statuses a run's record holds.
var runStatuses = []string{store.RunRunning, store.RunCompleted, store.RunFailed, store.RunCanceled, store.RunUnknown}

type runsQuery struct {
	store.RunQuery
	text string
}

func (s *Service) parseRuns(ctx context.Context, req RunsRequest) (runsQuery, error) {
	var q runsQuery
	var errs validation.Errors
	add := func(err error) {
		// A nil *FieldError is no problem, though not a nil error.
		if fe := validation.First(err); fe != nil {
			errs = append(errs, fe)
		}
	}
	var err error
	if q.From, q.To, err = s.listPeriod(ctx, req.From, req.To, req.TZ, add); err != nil {
		return q, err
	}
	if req.Status != "" && !slices.Contains(runStatuses, req.Status) {
		add(validation.Errorf("status", "%s is not a run status (use %s)", validation.Quote(req.Status), strings.Join(runStatuses, ", ")))
	}
	q.Status = req.Status
	for _, f := range []struct {
		name, v string
		to      *string
	}{{"entry", req.Entry, &q.Entry}, {"customer", req.Customer, &q.Customer}, {"interaction", req.Interaction, &q.Interaction}} {
		add(validation.Line(200).Check(f.name, f.v))
		*f.to = f.v
	}
	q.Limit, err = limitOf(req.Limit, DefaultPageSize, MaxPageSize)
	add(err)
	if err := errs.Err(); err != nil {
		return q, err
	}
	q.text = strings.Join([]string{"runs", timeText(q.From), timeText(q.To), q.Entry, q.Status, q.Customer, q.Interaction}, "\x00")
	if req.Cursor != "" {
		codec, err := s.cursorCodec(ctx)
		if err != nil {
			return q, err
		}
		pos, err := codec.Decode(q.text, req.Cursor, 2)
		if err != nil {
			return q, err
		}
		at, err := time.Parse(time.RFC3339Nano, pos[0])
		if err != nil {
			return q, validation.Errorf(cursor.Field, "is not a cursor this list gave out")
		}
		q.After = &store.RunPosition{StartedAt: at, WorkflowID: pos[1]}
	}
	return q, nil
}

// Runs returns one page of the runs req selects, newest first, from
// ccflow's own records (not Temporal's visibility), and the cursor of the
// next page.
func (s *Service) Runs(ctx context.Context, req RunsRequest) (RunsPage, error) {
	q, err := s.parseRuns(ctx, req)
	if err != nil {
		return RunsPage{}, err
	}
	page := RunsPage{Runs: []RunListItem{}}
	list, err := s.Store.Runs(ctx, q.RunQuery)
	if err != nil {
		return page, classify(err)
	}
	for _, r := range list {
		page.Runs = append(page.Runs, runListItem(r))
	}
	if len(list) == q.Limit {
		codec, err := s.cursorCodec(ctx)
		if err != nil {
			return page, err
		}
		last := list[len(list)-1]
		next := codec.Encode(q.text, []string{last.StartedAt.UTC().Format(time.RFC3339Nano), last.WorkflowID})
		page.NextCursor = &next
	}
	return page, nil
}

// EachRun calls fn with every run req selects, newest first, a page at a
// time, as EachAnswer does.
func (s *Service) EachRun(ctx context.Context, req RunsRequest, fn func(RunListItem) error) error {
	req.Limit = ""
	q, err := s.parseRuns(ctx, req)
	if err != nil {
		return err
	}
	q.Limit = exportPage
	return eachPage(func() ([]store.Run, error) { return s.Store.Runs(ctx, q.RunQuery) },
		func(last store.Run) {
			q.After = &store.RunPosition{StartedAt: last.StartedAt, WorkflowID: last.WorkflowID}
		},
		func(r store.Run) error { return fn(runListItem(r)) })
}

// CheckRuns checks req as Runs and EachRun would.
func (s *Service) CheckRuns(ctx context.Context, req RunsRequest) error {
	req.Limit = ""
	_, err := s.parseRuns(ctx, req)
	return err
}

func runListItem(r store.Run) RunListItem {
	return RunListItem{WorkflowID: r.WorkflowID, RunID: r.RunID, EntryID: r.EntryID, EntryVersion: r.EntryVersion,
		InteractionID: r.InteractionID, CustomerID: r.CustomerID, Service: r.Service, AgentID: r.AgentID,
		Disposition: r.Disposition, Channel: r.Channel, Variant: r.Variant, Trigger: r.Trigger,
		InteractionEndedAt: r.InteractionEndedAt, StartedAt: r.StartedAt, Status: r.Status, Reason: r.Reason, EndedAt: r.EndedAt}
}
