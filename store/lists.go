package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The answers and runs lists are read by keyset: a page starts after the
// sort values of the last item of the page before (After), through an
// index in the list's order, so a page deep into the list costs what the
// first does.

// Orders of the answers list.
const (
	// AnswersNewest: newest answer first.
	AnswersNewest = "newest"
	// AnswersLowest: lowest score first (as a share of its scale, so a 0
	// of 10 comes before a 2 of 5), newest first among equals.
	AnswersLowest = "lowest"
)

// AnswerQuery selects survey answers.
type AnswerQuery struct {
	// From and To bound answered_at: [From, To); zero means unbounded.
	From, To time.Time
	// Entry, Service and Agent filter when not "".
	Entry, Service, Agent string
	// ScoreMin and ScoreMax bound the score, on the survey's own scale.
	ScoreMin, ScoreMax *int
	Order              string
	// After is the position of the last answer of the page before:
	// (answered_at, survey_id), with the score's share first when the
	// order is lowest.
	After *AnswerPosition
	Limit int
}

// AnswerPosition is an answer's place in the list.
type AnswerPosition struct {
	ScorePct   int
	AnsweredAt time.Time
	SurveyID   string
}

// Answer is a survey answer with what its survey and run say of it.
type Answer struct {
	SurveyID      string     `db:"survey_id"`
	WorkflowID    string     `db:"workflow_id"`
	StepID        string     `db:"step_id"`
	EntryID       string     `db:"entry_id"`
	EntryVersion  int        `db:"entry_version"`
	InteractionID string     `db:"interaction_id"`
	CustomerID    string     `db:"customer_id"`
	AgentID       string     `db:"agent_id"`
	Service       string     `db:"service"`
	Disposition   string     `db:"disposition"`
	Channel       string     `db:"channel"`
	SurveyChannel string     `db:"survey_channel"`
	Scale         string     `db:"scale"`
	Score         int        `db:"score"`
	ScorePct      int        `db:"score_pct"`
	Comment       string     `db:"comment"`
	Late          bool       `db:"late"`
	SentAt        *time.Time `db:"sent_at"`
	AnsweredAt    time.Time  `db:"answered_at"`
}

// Position is a's place in the list.
func (a Answer) Position() AnswerPosition {
	return AnswerPosition{ScorePct: a.ScorePct, AnsweredAt: a.AnsweredAt, SurveyID: a.SurveyID}
}

// Answers returns one page of the answers q selects, in its order.
func (s *Store) Answers(ctx context.Context, q AnswerQuery) ([]Answer, error) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !q.From.IsZero() {
		conds = append(conds, "a.answered_at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "a.answered_at < "+arg(q.To))
	}
	for _, f := range []struct{ col, v string }{{"entry_id", q.Entry}, {"service", q.Service}, {"agent_id", q.Agent}} {
		if f.v != "" {
			conds = append(conds, "a."+f.col+" = "+arg(f.v))
		}
	}
	if q.ScoreMin != nil {
		conds = append(conds, "a.score >= "+arg(*q.ScoreMin))
	}
	if q.ScoreMax != nil {
		conds = append(conds, "a.score <= "+arg(*q.ScoreMax))
	}
	order := "a.answered_at DESC, a.survey_id DESC"
	if q.Order == AnswersLowest {
		order = "a.score_pct, a.answered_at DESC, a.survey_id DESC"
	}
	if p := q.After; p != nil {
		at, id := arg(p.AnsweredAt), arg(p.SurveyID)
		after := fmt.Sprintf("(a.answered_at, a.survey_id) < (%s, %s)", at, id)
		if q.Order == AnswersLowest {
			pct := arg(p.ScorePct)
			after = fmt.Sprintf("(a.score_pct > %[1]s OR (a.score_pct = %[1]s AND %[2]s))", pct, after)
		}
		conds = append(conds, after)
	}
	where := "true"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	list := []Answer{}
	err := s.db.SelectContext(ctx, &list, `
		SELECT a.survey_id, s.workflow_id, s.step_id, a.entry_id, s.entry_version, s.interaction_id,
			COALESCE(r.customer_id, '') AS customer_id, a.agent_id, a.service, COALESCE(r.disposition, '') AS disposition,
			COALESCE(r.channel, '') AS channel, s.channel AS survey_channel, a.scale, a.score, a.score_pct, a.comment,
			NOT a.delivered AS late, s.sent_at, a.answered_at
		FROM survey_answers a JOIN surveys s ON s.id = a.survey_id LEFT JOIN runs r ON r.workflow_id = s.workflow_id
		WHERE `+where+`
		ORDER BY `+order+`
		LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("listing survey answers: %w", err)
	}
	return list, nil
}

// RunQuery selects runs.
type RunQuery struct {
	// From and To bound started_at: [From, To); zero means unbounded.
	From, To time.Time
	// Entry, Status, Customer and Interaction filter when not "".
	Entry, Status, Customer, Interaction string
	// After is the position of the last run of the page before.
	After *RunPosition
	Limit int
}

// RunPosition is a run's place in the list: newest first.
type RunPosition struct {
	StartedAt  time.Time
	WorkflowID string
}

// Runs returns one page of the runs q selects, newest first; claims whose
// run is not known to have started are left out.
func (s *Store) Runs(ctx context.Context, q RunQuery) ([]Run, error) {
	conds := []string{"run_id <> ''"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !q.From.IsZero() {
		conds = append(conds, "started_at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "started_at < "+arg(q.To))
	}
	for _, f := range []struct{ col, v string }{
		{"entry_id", q.Entry}, {"status", q.Status}, {"customer_id", q.Customer}, {"interaction_id", q.Interaction},
	} {
		if f.v != "" {
			conds = append(conds, f.col+" = "+arg(f.v))
		}
	}
	if p := q.After; p != nil {
		conds = append(conds, fmt.Sprintf("(started_at, workflow_id) < (%s, %s)", arg(p.StartedAt), arg(p.WorkflowID)))
	}
	list := []Run{}
	if err := s.db.SelectContext(ctx, &list, `SELECT `+runColumns+` FROM runs WHERE `+strings.Join(conds, " AND ")+`
		ORDER BY started_at DESC, workflow_id DESC LIMIT `+arg(q.Limit), args...); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return list, nil
}
