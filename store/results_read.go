package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
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
// exact medians, the minutes to answer of each group's answers in the
// bins that hold its median.
func (s *Store) ReadResults(ctx context.Context, plan results.Plan) (*results.Groups, error) {
	g := results.NewGroups(plan)
	err := s.readOnly(ctx, func(tx *sqlx.Tx) error {
		if err := readRollup(ctx, tx, g); err != nil {
			return err
		}
		if err := readFacts(ctx, tx, g); err != nil {
			return err
		}
		return readMinutes(ctx, tx, g, g.MinuteRequests())
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
		SELECT b.g, `+dimColumnsOf("r")+`, `+rollupCounts("r")+`
		FROM unnest($1::smallint[], $2::timestamptz[], $3::int[]) AS b(grain, bucket, g)
		JOIN result_rollup r ON r.level = $4 AND r.grain = b.grain AND r.bucket = b.bucket
		WHERE `+cond,
		append([]any{pq.Array(grains), pq.Array(buckets), pq.Array(groups), plan.Level.ID}, args...)...)
	if err != nil {
		return fmt.Errorf("reading the rollup: %w", err)
	}
	defer rows.Close()
	var t results.Tally // each row's, its arrays reused
	for rows.Next() {
		var (
			group int
			v     results.Values
		)
		t.Reset()
		if err := scanRollup(rows, []any{&group, &v.Entry, &v.Service, &v.Agent, &v.Disposition, &v.Channel, &v.Variant}, &t); err != nil {
			return err
		}
		g.Add(group, v, &t)
	}
	return rows.Err()
}

// factSelect reads facts as scanFact takes them.
const factSelect = `SELECT f.at, f.kind, f.n, f.entry_id, f.service, f.agent_id, f.disposition, f.channel, f.variant,
	f.scale, f.reason, COALESCE(f.score, -1), COALESCE(f.minutes, -1)`

func scanFact(rows *sqlx.Rows, more ...any) (results.Fact, error) {
	var f results.Fact
	var kind string
	err := rows.Scan(append([]any{&f.At, &kind, &f.N, &f.Values.Entry, &f.Values.Service, &f.Values.Agent, &f.Values.Disposition,
		&f.Values.Channel, &f.Values.Variant, &f.Scale, &f.Reason, &f.Score, &f.Minutes}, more...)...)
	if err != nil {
		return f, fmt.Errorf("reading the facts: %w", err)
	}
	f.Kind = results.Kind(kind)
	return f, nil
}

// readFacts reads the facts of the plan's spans and those not folded yet.
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
		WHERE f.xid >= (SELECT watermark FROM result_fold) AND f.at >= $3 AND f.at < $4 AND `+cond,
		append([]any{pq.Array(from), pq.Array(to), plan.Query.From, plan.Query.To}, args...)...)
	if err != nil {
		return fmt.Errorf("reading the facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fromSpans bool
		f, err := scanFact(rows, &fromSpans)
		if err != nil {
			return err
		}
		g.AddFact(f, fromSpans)
	}
	return rows.Err()
}

// readMinutes reads, for each request, the minutes to answer of the
// answers it asks for: one branch of one statement per request, each
// planned with its own values, so each reads through the index of its
// first value dimension (agent, entry) or of the minutes and times, the
// few entries of its range.
func readMinutes(ctx context.Context, tx *sqlx.Tx, g *results.Groups, requests []results.MinuteRequest) error {
	if len(requests) == 0 {
		return nil
	}
	var (
		branches []string
		args     []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	filter := g.Plan().Query.Filter
	for i, r := range requests {
		hi := int64(math.MaxInt32)
		if r.Hi >= 0 {
			hi = int64(r.Hi)
		}
		conds := []string{
			"f.minutes >= " + arg(r.Lo) + "::int", "f.minutes < " + arg(hi) + "::int",
			"f.at >= " + arg(r.From) + "::timestamptz", "f.at < " + arg(r.To) + "::timestamptz",
			"f.kind IN ('answered', 'minutes')",
		}
		for _, d := range r.Dims {
			conds = append(conds, "f."+dimColumn(d)+" = "+arg(r.Values.Get(d))+"::text")
		}
		for _, d := range filter.Dims() {
			conds = append(conds, "f."+dimColumn(d)+" = "+arg(results.Values(filter).Get(d))+"::text")
		}
		branches = append(branches, fmt.Sprintf("SELECT %d, f.minutes, f.n FROM result_facts f WHERE %s", i, strings.Join(conds, " AND ")))
	}
	rows, err := tx.QueryxContext(ctx, strings.Join(branches, "\nUNION ALL\n"), args...)
	if err != nil {
		return fmt.Errorf("reading the minutes to answer: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			i, minutes int
			count      int64
		)
		if err := rows.Scan(&i, &minutes, &count); err != nil {
			return fmt.Errorf("reading the minutes to answer: %w", err)
		}
		g.AddMinutes(i, minutes, count)
	}
	return rows.Err()
}
