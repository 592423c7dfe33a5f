package store

import "fmt"

// Result facts (see core/results.Kind and the migration 00007) are
// written by the statements that make the change they count, as
// data-modifying parts of the same statement or of the same transaction,
// and only when the change happens (a row inserted, a status changed), so
// a retried call that changes nothing counts nothing.

// factColumns are the columns a fact is inserted with, in order.
const factColumns = `at, kind, n, entry_id, service, agent_id, disposition, channel, variant, scale, reason, score, minutes`

// runDims are the dimensions of a fact from the run's record, joined as r
// (LEFT JOIN runs r: empty when the run has no record), the entry falling
// back to entry, an expression of the caller's row.
func runDims(entry string) string {
	return fmt.Sprintf(`COALESCE(r.entry_id, %s), COALESCE(r.service, ''), COALESCE(r.agent_id, ''), `+
		`COALESCE(r.disposition, ''), COALESCE(r.channel, ''), COALESCE(r.variant, '')`, entry)
}

// minutesBetween is the SQL of results.MinutesBetween: the whole minutes
// from sent to answered, never negative.
func minutesBetween(sent, answered string) string {
	return fmt.Sprintf(`GREATEST(0, floor(extract(epoch FROM %s - %s) / 60))::integer`, answered, sent)
}

// smsClass is the class of an SMS status that the facts count: delivered,
// failed (undelivered or failed) or empty.
func smsClass(status string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IN ('delivered', 'read') THEN 'delivered' `+
		`WHEN %[1]s IN ('undelivered', 'failed') THEN 'failed' ELSE '' END`, status)
}

// withFacts is part when the store keeps results, else "".
func (s *Store) withFacts(part string) string {
	if !s.keepsResults() {
		return ""
	}
	return part
}

// factsCTE is the data-modifying part of a statement, named name, that
// inserts the facts selectSQL selects (in factColumns' order); "" when
// the store keeps no results.
func (s *Store) factsCTE(name, selectSQL string) string {
	return s.withFacts(`, ` + name + ` AS (
		INSERT INTO result_facts (` + factColumns + `)
		` + selectSQL + `
	)`)
}

// factsStatement is a statement of its own that inserts the facts
// selectSQL selects.
func factsStatement(selectSQL string) string {
	return `INSERT INTO result_facts (` + factColumns + `)
		` + selectSQL
}
