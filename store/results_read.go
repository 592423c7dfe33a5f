package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/results"
)

// ReadResults reads what plan needs into its groups, in one snapshot (a
// read-only repeatable-read transaction, so a fold committing meanwhile is
// seen wholly or not at all): the rollup's buckets of the plan's level,
// the facts of its spans and the facts not folded yet; then, for the
// exact medians, the minutes to answer of the answers in the ranges the
// groups need.
func (s *Store) ReadResults(ctx context.Context, plan results.Plan) (*results.Groups, error) {
	g := results.NewGroups(plan)
	err := s.readOnly(ctx, func(tx *sqlx.Tx) error {
		if err := readRollup(ctx, tx, g); err != nil {
			return err
		}
		if err := readFacts(ctx, tx, g); err != nil {
			return err
		}
		for _, r := range g.MedianNeeds() {
			if err := readMinutes(ctx, tx, g, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	return g, nil
}

// readOnly runs fn in a read-only transaction whose statements share one
// snapshot.
func (s *Store) readOnly(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("beginning a read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// filterSQL is the condition of a query's filter on the table or row t,
// with its values as parameters from $first on.
func filterSQL(t string, f results.Filter, first int) (string, []any) {
	var conds []string
	var args []any
	for _, d := range f.Dims() {
		args = append(args, results.Values(f).Get(d))
		conds = append(conds, fmt.Sprintf("%s.%s = $%d", t, dimColumn(d), first+len(args)-1))
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), args
}

func readRollup(ctx context.Context, tx *sqlx.Tx, g *results.Groups) error {
	plan := g.Plan()
	if len(plan.Blocks) == 0 {
		return nil
	}
	n := len(plan.Blocks)
	grains, buckets, groups := make([]int64, n), make([]time.Time, n), make([]int64, n)
	for i, b := range plan.Blocks {
		grains[i], buckets[i], groups[i] = int64(b.Grain), b.Start, int64(b.Group)
	}
	cond, args := filterSQL("r", plan.Query.Filter, 5)
	rows, err := tx.QueryxContext(ctx, `
		SELECT b.g, `+dimColumnsOf("r")+`, r.scale, r.reason, r.runs, r.sent, r.delivered, r.failed, r.held,
			r.skipped, r.surveys_sent, r.answered, r.scores, r.minute_bins
		FROM unnest($1::smallint[], $2::timestamptz[], $3::int[]) AS b(grain, bucket, g)
		JOIN result_rollup r ON r.level = $4 AND r.grain = b.grain AND r.bucket = b.bucket
		WHERE `+cond,
		append([]any{pq.Array(grains), pq.Array(buckets), pq.Array(groups), plan.Level.ID}, args...)...)
	if err != nil {
		return fmt.Errorf("reading the rollup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			group         int
			v             results.Values
			scale, reason string
			c             results.Counts
			scores, bins  pq.Int64Array
		)
		if err := rows.Scan(&group, &v.Entry, &v.Service, &v.Agent, &v.Disposition, &v.Channel, &v.Variant,
			&scale, &reason, &c.Runs, &c.Sent, &c.Delivered, &c.Failed, &c.Held, &c.Skipped, &c.SurveysSent,
			&c.Answered, &scores, &bins); err != nil {
			return fmt.Errorf("reading the rollup: %w", err)
		}
		copy(c.Scores[:], scores)
		copy(c.Bins[:], bins)
		g.Add(group, v, scale, reason, c)
	}
	return rows.Err()
}

// factSelect reads facts as readFacts scans them.
const factSelect = `SELECT f.at, f.kind, f.n, f.entry_id, f.service, f.agent_id, f.disposition, f.channel, f.variant,
	f.scale, f.reason, COALESCE(f.score, -1), COALESCE(f.minutes, -1)`

func readFacts(ctx context.Context, tx *sqlx.Tx, g *results.Groups) error {
	plan := g.Plan()
	from, to := make([]time.Time, len(plan.Spans)), make([]time.Time, len(plan.Spans))
	for i, sp := range plan.Spans {
		from[i], to[i] = sp.From, sp.To
	}
	cond, args := filterSQL("f", plan.Query.Filter, 5)
	rows, err := tx.QueryxContext(ctx, factSelect+`, true
		FROM unnest($1::timestamptz[], $2::timestamptz[]) AS s(a, b)
		JOIN result_facts f ON f.at >= s.a AND f.at < s.b
		WHERE `+cond+`
		UNION ALL
		`+factSelect+`, false
		FROM result_facts f
		WHERE NOT f.folded AND f.at >= $3 AND f.at < $4 AND `+cond,
		append([]any{pq.Array(from), pq.Array(to), plan.Query.From, plan.Query.To}, args...)...)
	if err != nil {
		return fmt.Errorf("reading the facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f results.Fact
		var kind string
		var fromSpans bool
		if err := rows.Scan(&f.At, &kind, &f.N, &f.Values.Entry, &f.Values.Service, &f.Values.Agent, &f.Values.Disposition,
			&f.Values.Channel, &f.Values.Variant, &f.Scale, &f.Reason, &f.Score, &f.Minutes, &fromSpans); err != nil {
			return fmt.Errorf("reading the facts: %w", err)
		}
		f.Kind = results.Kind(kind)
		g.AddFact(f, fromSpans)
	}
	return rows.Err()
}

func readMinutes(ctx context.Context, tx *sqlx.Tx, g *results.Groups, r results.MinuteRange) error {
	plan := g.Plan()
	cond, args := filterSQL("f", plan.Query.Filter, 5)
	rows, err := tx.QueryxContext(ctx, `
		SELECT f.at, `+dimColumnsOf("f")+`, f.minutes, f.n FROM result_facts f
		WHERE f.minutes >= $1 AND ($2 < 0 OR f.minutes < $2) AND f.at >= $3 AND f.at < $4
			AND f.kind IN ('answered', 'minutes') AND `+cond,
		append([]any{r.Lo, r.Hi, plan.Query.From, plan.Query.To}, args...)...)
	if err != nil {
		return fmt.Errorf("reading the minutes to answer in [%d, %d): %w", r.Lo, r.Hi, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			at      time.Time
			v       results.Values
			minutes int
			n       int64
		)
		if err := rows.Scan(&at, &v.Entry, &v.Service, &v.Agent, &v.Disposition, &v.Channel, &v.Variant, &minutes, &n); err != nil {
			return fmt.Errorf("reading the minutes to answer: %w", err)
		}
		g.AddMinutes(at, v, minutes, n)
	}
	return rows.Err()
}
