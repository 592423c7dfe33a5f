package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/results"
)

// foldLock is the advisory lock of the one folder: several starters fold
// in turns, never at once, so their upserts never wait on each other.
const foldLock = "ccflow-results-fold"

// FoldResults folds at most batch facts not folded yet into the rollup
// (result_rollup: every level and grain of core/results.Levels), oldest
// first, in one transaction that marks them folded: each fact is added
// once, and a results query, which reads the rollup and the facts not
// folded in one snapshot, counts it once before and once after. It
// returns how many it folded; 0 also when another process is folding.
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
		return tx.GetContext(ctx, &n, foldSQL, batch, pq.Array(results.MinuteThresholds))
	})
	if err != nil {
		return 0, fmt.Errorf("folding result facts: %w", err)
	}
	return n, nil
}

// foldSQL is FoldResults' statement: the facts picked and marked, spread
// over every level and grain (each level keeps its dimensions, the others
// become empty), summed by bucket and upserted.
var foldSQL = func() string {
	var levels []string
	for _, l := range results.Levels {
		for _, g := range l.Grains {
			keep := make([]string, len(results.ValueDims))
			for i, d := range results.ValueDims {
				keep[i] = fmt.Sprint(l.Keeps(d))
			}
			levels = append(levels, fmt.Sprintf("(%d, %d, %s)", l.ID, g, strings.Join(keep, ", ")))
		}
	}
	dims := make([]string, len(results.ValueDims))
	for i, d := range results.ValueDims {
		col := dimColumn(d)
		dims[i] = fmt.Sprintf("CASE WHEN lv.k_%[1]s THEN f.%[1]s ELSE '' END AS %[1]s", col)
	}
	scores := make([]string, results.MaxScore+1)
	for i := range scores {
		scores[i] = fmt.Sprintf("COALESCE(sum(n) FILTER (WHERE kind = 'answered' AND score = %d), 0)", i)
	}
	bins := make([]string, results.NumBins)
	for i := range bins {
		bins[i] = fmt.Sprintf("COALESCE(sum(n) FILTER (WHERE bin = %d), 0)", i)
	}
	keyCols := "level, grain, bucket, " + dimColumns() + ", scale, reason"
	keepCols := make([]string, len(results.ValueDims))
	for i, d := range results.ValueDims {
		keepCols[i] = "k_" + dimColumn(d)
	}
	counts := []string{}
	for _, k := range []struct{ col, kind string }{
		{"runs", "run"}, {"sent", "sent"}, {"delivered", "delivered"}, {"failed", "failed"}, {"held", "held"},
		{"skipped", "skipped"}, {"surveys_sent", "survey_sent"}, {"answered", "answered"},
	} {
		counts = append(counts, fmt.Sprintf("COALESCE(sum(n) FILTER (WHERE kind = '%s'), 0) AS %s", k.kind, k.col))
	}
	var updates []string
	for _, c := range []string{"runs", "sent", "delivered", "failed", "held", "skipped", "surveys_sent", "answered"} {
		updates = append(updates, fmt.Sprintf("%[1]s = r.%[1]s + EXCLUDED.%[1]s", c))
	}
	for _, c := range []string{"scores", "minute_bins"} {
		updates = append(updates, fmt.Sprintf(
			"%[1]s = (SELECT array_agg(a + b ORDER BY i) FROM unnest(r.%[1]s, EXCLUDED.%[1]s) WITH ORDINALITY AS u(a, b, i))", c))
	}
	return `WITH picked AS (
		SELECT id FROM result_facts WHERE NOT folded ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
	), f AS (
		UPDATE result_facts t SET folded = true FROM picked WHERE t.id = picked.id
		RETURNING t.at, t.kind, t.n, ` + dimColumnsOf("t") + `, t.scale, t.reason, t.score, t.minutes
	), lv (level, grain, ` + strings.Join(keepCols, ", ") + `) AS (
		VALUES ` + strings.Join(levels, ", ") + `
	), x AS (
		SELECT lv.level::smallint AS level, lv.grain::smallint AS grain,
			date_bin(CASE lv.grain WHEN 0 THEN interval '15 minutes' WHEN 1 THEN interval '1 hour' ELSE interval '1 day' END,
				f.at, timestamptz '1970-01-01 00:00:00+00') AS bucket,
			` + strings.Join(dims, ",\n\t\t\t") + `,
			f.scale, f.reason, f.kind, f.n, f.score,
			CASE WHEN f.kind IN ('answered', 'minutes') AND f.minutes IS NOT NULL THEN width_bucket(f.minutes, $2::int[]) END AS bin
		FROM f CROSS JOIN lv
	), upserted AS (
		INSERT INTO result_rollup AS r (` + keyCols + `, runs, sent, delivered, failed, held, skipped, surveys_sent, answered, scores, minute_bins)
		SELECT ` + keyCols + `, ` + strings.Join(counts, ", ") + `,
			ARRAY[` + strings.Join(scores, ", ") + `]::bigint[],
			ARRAY[` + strings.Join(bins, ", ") + `]::bigint[]
		FROM x GROUP BY ` + keyCols + ` ORDER BY ` + keyCols + `
		ON CONFLICT (` + keyCols + `) DO UPDATE SET ` + strings.Join(updates, ", ") + `
	)
	SELECT count(*) FROM f`
}()

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
