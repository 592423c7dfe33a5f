package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccflow/ccflow/core/results"
)

// ReferenceResults computes what ReadResults reads, the slow way: from a
// scan of the raw rows (runs, deliveries, Twilio's reports, surveys and
// answers) as they are, without the facts or the rollup, with the median
// of each group from its sorted minutes. It is the reference the results'
// tests compare every figure with, and the plain scan the benchmark
// measures beside the aggregates. Rows retention or erasure removed are
// missing from it (the aggregates keep their counts).
func (s *Store) ReferenceResults(ctx context.Context, q results.Query) ([]results.Group, results.Figures, error) {
	plan := results.NewPlan(q)
	g := results.NewGroups(plan)
	type answer struct {
		at      time.Time
		v       results.Values
		minutes int
	}
	var answers []answer
	err := s.readOnly(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, referenceSQL, q.From, q.To)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f results.Fact
			var kind string
			if err := rows.Scan(&f.At, &kind, &f.Values.Entry, &f.Values.Service, &f.Values.Agent, &f.Values.Disposition,
				&f.Values.Channel, &f.Values.Variant, &f.Scale, &f.Reason, &f.Score, &f.Minutes); err != nil {
				return err
			}
			f.Kind, f.N = results.Kind(kind), 1
			g.AddFact(f, true)
			if f.Kind == results.KindAnswered && f.Minutes >= 0 && q.Filter.Matches(f.Values) {
				answers = append(answers, answer{f.At, f.Values, f.Minutes})
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, results.Figures{}, fmt.Errorf("reading results from the raw rows: %w", err)
	}
	groups, totals, err := g.Result() // without medians: they come next

	if err != nil {
		return nil, results.Figures{}, err
	}
	// The medians, naively: every group's minutes, sorted.
	byGroup := map[string][]int{}
	var all []int
	values := q.ValueGroupBy()
	for _, a := range answers {
		t := plan.GroupOf(a.at)
		if t < 0 {
			continue
		}
		key := fmt.Sprint(t)
		for _, d := range values {
			key += "\x00" + a.v.Get(d)
		}
		byGroup[key] = append(byGroup[key], a.minutes)
		all = append(all, a.minutes)
	}
	for i := range groups {
		key := ""
		if d := q.TimeDim(); d != "" {
			key = fmt.Sprint(slices.IndexFunc(plan.Groups, func(tg results.TimeGroup) bool { return tg.Key == groups[i].Key[d] }))
		} else {
			key = "0"
		}
		for _, d := range values {
			key += "\x00" + groups[i].Key[d]
		}
		groups[i].MedianMinutesToAnswer = sortedMedian(byGroup[key])
	}
	totals.MedianMinutesToAnswer = sortedMedian(all)
	return groups, totals, nil
}

func sortedMedian(values []int) *float64 {
	if len(values) == 0 {
		return nil
	}
	slices.Sort(values)
	n := len(values)
	m := float64(values[(n-1)/2]+values[n/2]) / 2
	return &m
}

// referenceSQL reads the raw rows of [$1, $2) as the facts they make:
// every run; each message's outcome (sent, failed, skipped and why, held
// at least once) and the class of Twilio's last report, at the message's
// first decision; each survey sent and each answer, with its minutes to
// answer when the survey's sending time is known, at the survey's
// opening.
const referenceSQL = `
	SELECT r.started_at, 'run', r.entry_id, r.service, r.agent_id, r.disposition, r.channel, r.variant, '', '', -1, -1
	FROM runs r WHERE r.started_at >= $1 AND r.started_at < $2
	UNION ALL
	SELECT d.created_at, k.kind, COALESCE(r.entry_id, d.entry_id), COALESCE(r.service, ''), COALESCE(r.agent_id, ''),
		COALESCE(r.disposition, ''), COALESCE(r.channel, ''), COALESCE(r.variant, ''), '', k.reason, -1, -1
	FROM deliveries d LEFT JOIN runs r ON r.workflow_id = d.workflow_id
	LEFT JOIN sms_statuses st ON st.provider_id = d.provider_id AND d.provider_id <> '' AND d.status = 'sent'
	CROSS JOIN LATERAL (VALUES
		(CASE d.status WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' WHEN 'skipped' THEN 'skipped' END,
			CASE WHEN d.status = 'skipped' THEN d.reason_code ELSE '' END),
		(CASE WHEN d.held_at IS NOT NULL THEN 'held' END, ''),
		(CASE WHEN st.status IN ('delivered', 'read') THEN 'delivered' WHEN st.status IN ('undelivered', 'failed') THEN 'failed' END, '')
	) AS k(kind, reason)
	WHERE k.kind IS NOT NULL AND d.created_at >= $1 AND d.created_at < $2
	UNION ALL
	SELECT s.created_at, 'survey_sent', COALESCE(r.entry_id, s.entry_id), COALESCE(r.service, ''), COALESCE(r.agent_id, ''),
		COALESCE(r.disposition, ''), COALESCE(r.channel, ''), COALESCE(r.variant, ''), s.scale, '', -1, -1
	FROM surveys s LEFT JOIN runs r ON r.workflow_id = s.workflow_id
	WHERE s.sent_at IS NOT NULL AND s.created_at >= $1 AND s.created_at < $2
	UNION ALL
	SELECT s.created_at, 'answered', COALESCE(r.entry_id, s.entry_id), COALESCE(r.service, ''), COALESCE(r.agent_id, ''),
		COALESCE(r.disposition, ''), COALESCE(r.channel, ''), COALESCE(r.variant, ''), s.scale, '', a.score,
		CASE WHEN s.sent_at IS NULL THEN -1 ELSE GREATEST(0, floor(extract(epoch FROM a.answered_at - s.sent_at) / 60))::integer END
	FROM survey_answers a JOIN surveys s ON s.id = a.survey_id LEFT JOIN runs r ON r.workflow_id = s.workflow_id
	WHERE s.created_at >= $1 AND s.created_at < $2`
