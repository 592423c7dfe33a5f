package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Run records one started workflow: which entry version an event started,
// kept beyond the Temporal namespace's retention. A row whose RunID is
// empty is a claim: ingest has taken it and is starting the run, or the
// reconciler has yet to find out whether the run started.
type Run struct {
	WorkflowID    string    `db:"workflow_id"`
	RunID         string    `db:"run_id"`
	EntryID       string    `db:"entry_id"`
	EntryVersion  int       `db:"entry_version"`
	InteractionID string    `db:"interaction_id"`
	Trigger       string    `db:"trigger"`
	StartedAt     time.Time `db:"started_at"`
	// CustomerID and CancelOnNewInteraction let ingest find the runs a
	// customer's new interaction stops (NewCustomerInteraction).
	CustomerID             string `db:"customer_id"`
	CancelOnNewInteraction bool   `db:"cancel_on_new_interaction"`
	// CaseID is the case of the interaction, if any, so an event posted
	// for the case reaches the run (RunsOf).
	CaseID string `db:"case_id"`
	// What results group by: the event's service, agent id, disposition
	// and channel, when the interaction ended, and the run's split
	// variant. The agent's name is not kept: the id names the agent in
	// the contact center's own directory, and a name is an employee's
	// personal data that results do not need.
	Service            string     `db:"service"`
	AgentID            string     `db:"agent_id"`
	Disposition        string     `db:"disposition"`
	Channel            string     `db:"channel"`
	InteractionEndedAt *time.Time `db:"interaction_ended_at"`
	Variant            string     `db:"variant"`
	// How the run ended (RecordRunEnd): Status is running until then, and
	// unknown for runs started before ccflow recorded it.
	Status  string     `db:"status"`
	Reason  string     `db:"reason"`
	EndedAt *time.Time `db:"ended_at"`
}

// Run statuses in the run's record.
const (
	RunRunning   = "running"
	RunCompleted = "completed"
	RunFailed    = "failed"
	RunCanceled  = "canceled"
	// RunUnknown: the run started before ccflow recorded how runs end.
	RunUnknown = "unknown"
)

// runColumns are the columns of a Run.
const runColumns = `workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at,
	customer_id, cancel_on_new_interaction, service, agent_id, disposition, channel, interaction_ended_at,
	variant, status, reason, ended_at, case_id`

// Claim is a run's row as ingest and the reconciler see it: ClaimedAt is
// when it was last claimed, which tells a claim taken again apart from the
// one the reconciler looked at.
type Claim struct {
	Run
	ClaimedAt time.Time `db:"claimed_at"`
}

// RecordRun stores r. The first record of a workflow ID wins: recording it
// again, as a retried event does, changes nothing. A zero StartedAt means now.
func (s *Store) RecordRun(ctx context.Context, r Run) error {
	startedAt := sql.NullTime{Time: r.StartedAt, Valid: !r.StartedAt.IsZero()}
	if _, err := s.db.ExecContext(ctx,
		`WITH recorded AS (
		     INSERT INTO runs (workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at,
		                       customer_id, cancel_on_new_interaction, service, agent_id, disposition, channel,
		                       interaction_ended_at, variant, case_id)
		     VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, $16, now()), $8, $9, $10, $11, $12, $13, $14, $15, $17)
		     ON CONFLICT (workflow_id) DO NOTHING
		     RETURNING *
		 )`+s.factsCTE("facts", `
		     SELECT r.started_at, 'run', 1, `+runDims("''")+`, '', '', NULL, NULL FROM recorded r`)+`
		 SELECT count(*) FROM recorded`,
		r.WorkflowID, r.RunID, r.EntryID, r.EntryVersion, r.InteractionID, r.Trigger, startedAt,
		r.CustomerID, r.CancelOnNewInteraction, r.Service, r.AgentID, r.Disposition, r.Channel,
		r.InteractionEndedAt, r.Variant, s.stamp(), r.CaseID); err != nil {
		return fmt.Errorf("recording run %q: %w", r.WorkflowID, err)
	}
	return nil
}

// Run returns the run recorded for workflowID, or ErrNotFound; a claim
// whose run is not known to have started is not a run.
func (s *Store) Run(ctx context.Context, workflowID string) (Run, error) {
	var r Run
	err := s.db.GetContext(ctx, &r,
		`SELECT `+runColumns+` FROM runs WHERE workflow_id = $1 AND run_id <> ''`, workflowID)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("run %q: %w", workflowID, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("reading run %q: %w", workflowID, err)
	}
	return r, nil
}

// RecordedRuns returns the runs recorded for workflowIDs, by workflow ID;
// IDs without one (or with only a claim) are left out. One statement
// however many IDs.
func (s *Store) RecordedRuns(ctx context.Context, workflowIDs []string) (map[string]Run, error) {
	var runs []Run
	if err := s.db.SelectContext(ctx, &runs,
		`SELECT workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at
		 FROM runs WHERE workflow_id = ANY($1) AND run_id <> ''`, pq.Array(workflowIDs)); err != nil {
		return nil, fmt.Errorf("reading the runs of %d workflow IDs: %w", len(workflowIDs), err)
	}
	out := make(map[string]Run, len(runs))
	for _, r := range runs {
		out[r.WorkflowID] = r
	}
	return out, nil
}

// ClaimRuns claims the runs of one event's matches before they are
// started, in one statement: each claim is a Run without RunID. It returns
// one Claim per claim, in order. A Claim with an empty RunID is the
// caller's to start: a new claim, or an earlier one whose run is not known
// to have started, taken again (its ClaimedAt renewed, which stops the
// reconciler from removing it). A Claim with a RunID is a run recorded
// before: it was started, with the version and trigger it holds.
func (s *Store) ClaimRuns(ctx context.Context, claims []Run) ([]Claim, error) {
	out, _, err := s.claim(ctx, claims, "")
	return out, err
}

// ClaimRunsOfCustomer claims the runs of one interaction's matches as
// ClaimRuns does and, in the same statement, does what
// NewCustomerInteraction does for the customer customerID: records the
// interaction (that of the claims) and lists the runs it ends. Ingest
// runs it for every event that names a customer and starts something,
// so such an event costs PostgreSQL one round trip, one planning and one
// commit instead of two.
func (s *Store) ClaimRunsOfCustomer(ctx context.Context, claims []Run, customerID string) ([]Claim, []Run, error) {
	return s.claim(ctx, claims, customerID)
}

// claim is ClaimRuns, and with a customerID ClaimRunsOfCustomer.
func (s *Store) claim(ctx context.Context, claims []Run, customerID string) ([]Claim, []Run, error) {
	n := len(claims)
	ids, entries, versions, interactions, triggers := make([]string, n), make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	customers, cancels, cases := make([]string, n), make([]bool, n), make([]string, n)
	services, agents, dispositions, channels, variants := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ended := make([]*time.Time, n)
	for i, c := range claims {
		ids[i], entries[i], versions[i], interactions[i], triggers[i] = c.WorkflowID, c.EntryID, int64(c.EntryVersion), c.InteractionID, c.Trigger
		customers[i], cancels[i], cases[i] = c.CustomerID, c.CancelOnNewInteraction, c.CaseID
		services[i], agents[i], dispositions[i], channels[i], variants[i] = c.Service, c.AgentID, c.Disposition, c.Channel, c.Variant
		ended[i] = c.InteractionEndedAt
	}
	// The first part takes or renews the claims and returns them; the
	// second returns the recorded runs it left alone, as the statement's
	// snapshot shows them; a claim taken for the first time counts a run.
	// Prepared once, as every event runs it.
	args := []any{pq.Array(ids), pq.Array(entries), pq.Array(versions), pq.Array(interactions), pq.Array(triggers),
		pq.Array(customers), pq.Array(cancels), pq.Array(services), pq.Array(agents), pq.Array(dispositions),
		pq.Array(channels), pq.Array(timesOf(ended)), pq.Array(variants), s.stamp(), pq.Array(cases)}
	var stmt *sqlx.Stmt
	var err error
	if customerID == "" {
		stmt, err = s.prepared(ctx, &s.claimRuns, s.claimRunsSQL(false)) //nolint:sqlclosecheck // the store keeps it; Close closes it
	} else {
		stmt, err = s.prepared(ctx, &s.claimRunsOfCustomer, s.claimRunsSQL(true)) //nolint:sqlclosecheck // the store keeps it; Close closes it
		args = append(args, customerID, claims[0].InteractionID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("claiming the runs of interaction %s: %w", claims[0].InteractionID, err)
	}
	var rows []struct {
		Claim
		Stop bool `db:"stop"`
	}
	if err = stmt.SelectContext(ctx, &rows, args...); err != nil {
		return nil, nil, fmt.Errorf("claiming the runs of interaction %s: %w", claims[0].InteractionID, err)
	}
	byID := make(map[string]Claim, len(rows))
	stop := []Run{}
	for _, r := range rows {
		if r.Stop {
			stop = append(stop, r.Run)
			continue
		}
		byID[r.WorkflowID] = r.Claim
	}
	// In the order NewCustomerInteraction lists them.
	sort.Slice(stop, func(i, j int) bool {
		if !stop[i].StartedAt.Equal(stop[j].StartedAt) {
			return stop[i].StartedAt.Before(stop[j].StartedAt)
		}
		return stop[i].WorkflowID < stop[j].WorkflowID
	})
	out := make([]Claim, n)
	var missing []string
	for i, c := range claims {
		r, ok := byID[c.WorkflowID]
		if !ok {
			// Recorded by a request that committed after this statement's
			// snapshot was taken and before its insert met the row.
			missing = append(missing, c.WorkflowID)
		}
		out[i] = r
	}
	if len(missing) > 0 {
		recorded, err := s.RecordedRuns(ctx, missing)
		if err != nil {
			return nil, nil, err
		}
		for i, c := range claims {
			if out[i].WorkflowID == "" {
				if out[i].Run = recorded[c.WorkflowID]; out[i].WorkflowID == "" {
					return nil, nil, fmt.Errorf("claiming run %q: neither claimed nor recorded", c.WorkflowID)
				}
			}
		}
	}
	return out, stop, nil
}

// timesOf turns optional times into what a timestamptz[] parameter takes.
func timesOf(ts []*time.Time) []sql.NullTime {
	out := make([]sql.NullTime, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = sql.NullTime{Time: *t, Valid: true}
		}
	}
	return out
}

// claimRunsSQL is ClaimRuns' statement, and with ofCustomer
// ClaimRunsOfCustomer's, whose $16 is the customer and $17 the
// interaction. Each row says whether it is a run to stop (stop) or a
// claim. A claim's dimensions are those of its first claim: a claim taken
// again keeps them, as it keeps the fact that counted it.
func (s *Store) claimRunsSQL(ofCustomer bool) string {
	recorded, stop := "", ""
	if ofCustomer {
		// NewCustomerInteraction's statement: the runs it lists are
		// another interaction's, so none is among this statement's claims.
		recorded = `, recorded AS (
     INSERT INTO customer_interactions (customer_id, interaction_id) VALUES ($16, $17)
     ON CONFLICT DO NOTHING
 )`
		stop = `
 UNION ALL
 SELECT true, workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at, claimed_at
 FROM runs
 WHERE customer_id = $16 AND cancel_on_new_interaction AND superseded_by IS NULL AND interaction_id <> $17`
	}
	return `WITH input AS (
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bool[],
                          $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[], $15::text[])
         AS t(workflow_id, entry_id, entry_version, interaction_id, trigger, customer_id, cancel_on_new_interaction,
              service, agent_id, disposition, channel, interaction_ended_at, variant, case_id)
 ), claimed AS (
     INSERT INTO runs (workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at, claimed_at,
                       customer_id, cancel_on_new_interaction, service, agent_id, disposition, channel,
                       interaction_ended_at, variant, case_id)
     SELECT workflow_id, '', entry_id, entry_version, interaction_id, trigger, COALESCE($14, now()), COALESCE($14, now()),
            customer_id, cancel_on_new_interaction, service, agent_id, disposition, channel, interaction_ended_at, variant, case_id
     FROM input
     ON CONFLICT (workflow_id) DO UPDATE
         SET claimed_at = COALESCE($14, now()), entry_version = EXCLUDED.entry_version, trigger = EXCLUDED.trigger,
             cancel_on_new_interaction = EXCLUDED.cancel_on_new_interaction
         WHERE runs.run_id = ''
     RETURNING workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at, claimed_at,
               service, agent_id, disposition, channel, variant, (xmax = 0) AS inserted
 )` + s.factsCTE("counted", `
     SELECT started_at, 'run', 1, entry_id, service, agent_id, disposition, channel, variant, '', '', NULL, NULL
     FROM claimed WHERE inserted`) + recorded + `
 SELECT false AS stop, workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at, claimed_at FROM claimed
 UNION ALL
 SELECT false, r.workflow_id, r.run_id, r.entry_id, r.entry_version, r.interaction_id, r.trigger, r.started_at, r.claimed_at
 FROM runs r JOIN input USING (workflow_id)
 WHERE r.run_id <> '' AND r.workflow_id NOT IN (SELECT workflow_id FROM claimed)` + stop
}

// ConfirmRuns fills in the run ID of claimed runs that started, and the
// entry version and trigger each run was started with. Runs already
// confirmed are left as they are. One statement however many runs.
func (s *Store) ConfirmRuns(ctx context.Context, runs []Run) error {
	n := len(runs)
	ids, runIDs, versions, triggers := make([]string, n), make([]string, n), make([]int64, n), make([]string, n)
	for i, r := range runs {
		ids[i], runIDs[i], versions[i], triggers[i] = r.WorkflowID, r.RunID, int64(r.EntryVersion), r.Trigger
	}
	if _, err := s.db.ExecContext(ctx,
		`UPDATE runs SET run_id = c.run_id, entry_version = c.entry_version, trigger = c.trigger
		 FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS c(workflow_id, run_id, entry_version, trigger)
		 WHERE runs.workflow_id = c.workflow_id AND runs.run_id = ''`,
		pq.Array(ids), pq.Array(runIDs), pq.Array(versions), pq.Array(triggers)); err != nil {
		return fmt.Errorf("confirming %d started runs: %w", n, err)
	}
	return nil
}

// ReleaseClaim removes claim c when it is still as it was taken (nobody
// has claimed the run again since) and its run is not known to have
// started: for a run that did not start. It reports whether it removed it.
func (s *Store) ReleaseClaim(ctx context.Context, c Claim) (bool, error) {
	// The run the claim counted never started: it is counted off again.
	var n int
	err := s.db.GetContext(ctx, &n,
		`WITH released AS (
		     DELETE FROM runs WHERE workflow_id = $1 AND run_id = '' AND claimed_at = $2 RETURNING *
		 )`+s.factsCTE("uncounted", `
		     SELECT r.started_at, 'run', -1, `+runDims("''")+`, '', '', NULL, NULL FROM released r`)+`
		 SELECT count(*) FROM released`, c.WorkflowID, c.ClaimedAt)
	if err != nil {
		return false, fmt.Errorf("releasing the claim of run %q: %w", c.WorkflowID, err)
	}
	return n > 0, nil
}

// StaleClaims returns at most limit claims last taken before before,
// oldest first: runs whose start nobody confirmed.
func (s *Store) StaleClaims(ctx context.Context, before time.Time, limit int) ([]Claim, error) {
	var runs []Claim
	if err := s.db.SelectContext(ctx, &runs,
		`SELECT workflow_id, run_id, entry_id, entry_version, interaction_id, trigger, started_at, claimed_at
		 FROM runs WHERE run_id = '' AND claimed_at < $1 ORDER BY claimed_at LIMIT $2`, before, limit); err != nil {
		return nil, fmt.Errorf("listing claims older than %s: %w", before.Format(time.RFC3339), err)
	}
	return runs, nil
}
