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

// foldLock is the advisory lock of the one folder: several starters fold
// in turns, never at once, so the folder alone writes the rollup.
const foldLock = "ccflow-results-fold"

// rollupKey is one row of the rollup.
type rollupKey struct {
	level, grain int16
	bucket       time.Time
	values       results.Values
}

// FoldResults folds facts not folded yet into the rollup, about batch of
// them (the facts of one transaction are folded together, however many),
// oldest transaction first, and moves the fold's watermark past them in
// the same transaction: each fact is added once, and a results query,
// which reads the rollup, the watermark and the facts after it in one
// snapshot, counts it once before and once after. Only the facts of
// transactions that have ended are folded, so one that commits late
// never has a fact left behind. The facts are summed here, for every
// level and grain of core/results.Levels, then added to the rows they
// belong to. It returns how many it folded; 0 also when another process
// is folding.
func (s *Store) FoldResults(ctx context.Context, batch int) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var locked bool
		if err := tx.GetContext(ctx, &locked, `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))`, foldLock); err != nil {
			return fmt.Errorf("taking the results folder's lock: %w", err)
		}
		if !locked {
			return nil
		}
		from, to, err := foldRange(ctx, tx, batch)
		if err != nil || from == to {
			return err
		}
		sums, folded, err := sumFacts(ctx, tx, from, to)
		if err != nil {
			return err
		}
		n = folded
		if err := addExisting(ctx, tx, sums); err != nil {
			return err
		}
		if err := writeRollup(ctx, tx, sums); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE result_fold SET watermark = $1::xid8`, to); err != nil {
			return fmt.Errorf("moving the fold's watermark: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("folding result facts: %w", err)
	}
	return n, nil
}

// foldRange is the transactions whose facts one fold folds: [from, to),
// from the watermark on, of the transactions that have ended (older than
// every one still running), ending where about batch facts have been
// taken, but always after at least one transaction's.
func foldRange(ctx context.Context, tx *sqlx.Tx, batch int) (from, to string, err error) {
	var ended string
	if err := tx.QueryRowxContext(ctx,
		`SELECT watermark::text, pg_snapshot_xmin(pg_current_snapshot())::text FROM result_fold`).Scan(&from, &ended); err != nil {
		return "", "", fmt.Errorf("reading the fold's watermark: %w", err)
	}
	// The xid of the fact batch facts on, or past the last: the range
	// ends before it, unless that leaves it empty.
	var cut sql.NullString
	if err := tx.GetContext(ctx, &cut, `
		SELECT (SELECT xid FROM result_facts WHERE xid >= $1::xid8 AND xid < $2::xid8 ORDER BY xid OFFSET $3 LIMIT 1)::text`,
		from, ended, batch); err != nil {
		return "", "", fmt.Errorf("finding the facts to fold: %w", err)
	}
	to = ended
	if cut.Valid {
		to = cut.String
		if to == from {
			// One transaction wrote more than batch facts: fold it whole.
			var next sql.NullString
			if err := tx.GetContext(ctx, &next, `
				SELECT (SELECT xid FROM result_facts WHERE xid > $1::xid8 AND xid < $2::xid8 ORDER BY xid LIMIT 1)::text`,
				from, ended); err != nil {
				return "", "", fmt.Errorf("finding the facts to fold: %w", err)
			}
			to = ended
			if next.Valid {
				to = next.String
			}
		}
	}
	return from, to, nil
}

// sumFacts sums the facts of the transactions [from, to) by the rows of
// the rollup they belong to.
func sumFacts(ctx context.Context, tx *sqlx.Tx, from, to string) (map[rollupKey]*results.Tally, int, error) {
	rows, err := tx.QueryxContext(ctx, factSelect+` FROM result_facts f WHERE f.xid >= $1::xid8 AND f.xid < $2::xid8`, from, to)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the facts to fold: %w", err)
	}
	defer rows.Close()
	sums := map[rollupKey]*results.Tally{}
	n := 0
	for rows.Next() {
		f, err := scanFact(rows)
		if err != nil {
			return nil, 0, err
		}
		n++
		for _, l := range results.Levels {
			v := keptValues(l, f.Values)
			for _, g := range l.Grains {
				k := rollupKey{level: l.ID, grain: int16(g), bucket: g.Floor(f.At), values: v}
				t := sums[k]
				if t == nil {
					t = &results.Tally{}
					sums[k] = t
				}
				t.AddFact(f)
			}
		}
	}
	return sums, n, rows.Err()
}

// PendingFacts counts the facts not folded into the rollup yet.
func (s *Store) PendingFacts(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n,
		`SELECT count(*) FROM result_facts WHERE xid >= (SELECT watermark FROM result_fold)`); err != nil {
		return 0, fmt.Errorf("counting the facts not folded: %w", err)
	}
	return n, nil
}

// keptValues are v's values of the dimensions l keeps, the others "".
func keptValues(l results.Level, v results.Values) results.Values {
	var out results.Values
	for _, d := range l.Dims {
		out.Set(d, v.Get(d))
	}
	return out
}

// keyArrays are the columns of keys, as parameter arrays.
func keyArrays(keys []rollupKey) []any {
	n := len(keys)
	levels, grains, buckets := make([]int64, n), make([]int64, n), make([]time.Time, n)
	dims := make([][]string, len(results.ValueDims))
	for i := range dims {
		dims[i] = make([]string, n)
	}
	for i, k := range keys {
		levels[i], grains[i], buckets[i] = int64(k.level), int64(k.grain), k.bucket
		for j, d := range results.ValueDims {
			dims[j][i] = k.values.Get(d)
		}
	}
	out := []any{pq.Array(levels), pq.Array(grains), pq.Array(buckets)}
	for _, d := range dims {
		out = append(out, pq.Array(d))
	}
	return out
}

// keyInput is the unnest of keyArrays ($1 to $9) as rows k, with the
// columns of more arrays after them (more names them, from $10 on).
func keyInput(more ...string) string {
	params := []string{"$1::smallint[]", "$2::smallint[]", "$3::timestamptz[]"}
	for i := range results.ValueDims {
		params = append(params, fmt.Sprintf("$%d::text[]", 4+i))
	}
	names := "level, grain, bucket, " + dimColumns()
	for i, m := range more {
		name, typ, _ := strings.Cut(m, " ")
		params = append(params, fmt.Sprintf("$%d::%s[]", 4+len(results.ValueDims)+i, typ))
		names += ", " + name
	}
	return "unnest(" + strings.Join(params, ", ") + ") AS k(" + names + ")"
}

// addExisting adds to sums what the rollup holds already of their rows.
func addExisting(ctx context.Context, tx *sqlx.Tx, sums map[rollupKey]*results.Tally) error {
	keys := make([]rollupKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	rows, err := tx.QueryxContext(ctx, `
		SELECT r.level, r.grain, r.bucket, `+dimColumnsOf("r")+`, `+rollupCounts("r")+`
		FROM `+keyInput()+`
		JOIN result_rollup r ON (r.level, r.grain, r.bucket, `+dimColumnsOf("r")+`) = (k.level, k.grain, k.bucket, `+dimColumnsOf("k")+`)`,
		keyArrays(keys)...)
	if err != nil {
		return fmt.Errorf("reading the rollup's rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k rollupKey
		var t results.Tally
		if err := scanRollup(rows, []any{&k.level, &k.grain, &k.bucket, &k.values.Entry, &k.values.Service, &k.values.Agent,
			&k.values.Disposition, &k.values.Channel, &k.values.Variant}, &t); err != nil {
			return err
		}
		k.bucket = k.bucket.UTC()
		sum := sums[k]
		if sum == nil {
			return fmt.Errorf("reading the rollup's rows: a row of no asked key %+v", k)
		}
		sum.Merge(&t)
	}
	return rows.Err()
}

// rollupCounts are a rollup row's counts, as scanRollup reads them.
func rollupCounts(t string) string {
	cols := []string{"runs", "sent", "delivered", "failed", "held", "skipped", "surveys_sent", "answered", "detail"}
	for i, c := range cols {
		cols[i] = t + "." + c
	}
	return strings.Join(cols, ", ")
}

// scanRollup scans the columns lead, then a rollup row's counts into t.
func scanRollup(rows *sqlx.Rows, lead []any, t *results.Tally) error {
	var surveysSent, answered int64
	var detail []byte
	dest := append(lead, &t.Runs, &t.Sent, &t.Delivered, &t.Failed, &t.Held, &t.Skipped, &surveysSent, &answered, &detail)
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("reading the rollup: %w", err)
	}
	if err := t.UnmarshalDetail(detail); err != nil {
		return fmt.Errorf("reading the rollup: %w", err)
	}
	if t.SurveysSent() != surveysSent || t.Answered() != answered {
		return fmt.Errorf("reading the rollup: a row's detail counts %d surveys sent and %d answered, its columns %d and %d",
			t.SurveysSent(), t.Answered(), surveysSent, answered)
	}
	return nil
}

// writeRollup writes the rows of sums, which hold their whole new counts.
func writeRollup(ctx context.Context, tx *sqlx.Tx, sums map[rollupKey]*results.Tally) error {
	keys := make([]rollupKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	n := len(keys)
	counts := make([][]int64, 8)
	for i := range counts {
		counts[i] = make([]int64, n)
	}
	details := make([][]byte, n)
	for i, k := range keys {
		t := sums[k]
		for j, v := range []int64{t.Runs, t.Sent, t.Delivered, t.Failed, t.Held, t.Skipped, t.SurveysSent(), t.Answered()} {
			counts[j][i] = v
		}
		details[i] = t.MarshalDetail()
	}
	args := keyArrays(keys)
	for _, c := range counts {
		args = append(args, pq.Array(c))
	}
	args = append(args, pq.ByteaArray(details))
	cols := []string{"runs", "sent", "delivered", "failed", "held", "skipped", "surveys_sent", "answered"}
	var more, updates []string
	for _, c := range cols {
		more = append(more, c+" bigint")
	}
	more = append(more, "detail bytea")
	cols = append(cols, "detail")
	for _, c := range cols {
		updates = append(updates, c+" = EXCLUDED."+c)
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO result_rollup (level, grain, bucket, `+dimColumns()+`, `+strings.Join(cols, ", ")+`)
		SELECT * FROM `+keyInput(more...)+`
		ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
		ON CONFLICT (level, grain, bucket, `+dimColumns()+`) DO UPDATE SET `+strings.Join(updates, ", "),
		args...)
	if err != nil {
		return fmt.Errorf("writing %d rows of the rollup: %w", n, err)
	}
	return nil
}

// dimColumn is the column of a value dimension in runs, result_facts and
// result_rollup.
func dimColumn(d results.Dim) string {
	switch d {
	case results.Entry:
		return "entry_id"
	case results.Agent:
		return "agent_id"
	}
	return string(d)
}

// dimColumns lists the columns of the value dimensions, in order.
func dimColumns() string { return dimColumnsOf("") }

// dimColumnsOf lists them of the table or row t ("" for none).
func dimColumnsOf(t string) string {
	cols := make([]string, len(results.ValueDims))
	for i, d := range results.ValueDims {
		cols[i] = dimColumn(d)
		if t != "" {
			cols[i] = t + "." + cols[i]
		}
	}
	return strings.Join(cols, ", ")
}
