package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/triggers"
	"github.com/ccflow/ccflow/workflows"
)

// ingestTimeout bounds one event's ingest, so that with Temporal or
// PostgreSQL down the caller hears ErrUnavailable soon and retries, instead
// of waiting on a connection that will not come.
const ingestTimeout = 15 * time.Second

// Ingest validates ev, matches it against the live entries and, unless
// dryRun, starts one follow-up per match.
//
// An event costs one PostgreSQL statement and one Temporal call per match
// that starts: the entries are matched in memory (EntryIndex), and the
// runs of all matches are claimed in the runs table in one statement
// before they are started, which also says which of them an earlier
// delivery of the event started. A match whose entry's sample_percent
// leaves the customer out (entry.Sampled) is sampled_out and claims
// nothing; one statement more asks whether such a match's run started
// before the sample changed, to answer already_started as a repeated
// event must. A claim is the run's record from before
// its start, so no run ever runs without one, even when the caller gives
// up halfway; once Temporal has answered, the run ID is filled in, in
// batches in a starter whose background work runs (StartBackground).
//
// Every step is idempotent, so a caller that gets an error sends the same
// event again: the workflow ID is derived from the entry and the
// interaction and Temporal rejects a second start of it (reuse policy
// REJECT_DUPLICATE, so even a finished run is never started again), and a
// claim whose start was not confirmed is simply started again. A retry
// therefore answers already_started for what an earlier attempt started
// and starts only what is missing. Validation problems come back as
// validation.Errors; PostgreSQL or Temporal being unreachable or slow comes
// back wrapped in ErrUnavailable, as an UnavailableError saying which runs
// started when Temporal was asked and did not answer.
func (s *Service) Ingest(ctx context.Context, ev interaction.Event, dryRun bool) (res interaction.Result, err error) {
	if err := ev.Validate(); err != nil {
		return interaction.Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	ix, err := s.entryIndex().Index(ctx)
	if err != nil {
		return interaction.Result{}, classify(fmt.Errorf("reading the entries for interaction %s: %w", ev.InteractionID, err))
	}
	matches := ix.Find(ev, nil) // in entry-id order
	if !dryRun {
		// Every event, matching or not: a draft entry may match it.
		s.keepInteraction(ctx, ev, time.Now())
	}
	defer func() {
		if err == nil {
			for _, mr := range res.Matches {
				s.Metrics.Matched(mr.EntryID, mr.Status)
			}
			s.Metrics.EventIngested(dryRun)
		}
	}()
	res = interaction.Result{InteractionID: ev.InteractionID, Matches: make([]interaction.MatchResult, len(matches))}
	// sampled are the matches the entries' sample_percent lets start,
	// claims their runs, in the same order.
	var sampled, sampledOut []int
	var claims []store.Run
	for i, m := range matches {
		res.Matches[i] = interaction.MatchResult{
			EntryID:      m.Entry.ID,
			EntryVersion: m.Entry.Version,
			Trigger:      m.Reason,
			WorkflowID:   workflows.WorkflowID(m.Entry.ID, ev.InteractionID),
		}
		if !entry.Sampled(m.Entry, customerID(ev), ev.InteractionID) {
			res.Matches[i].Status = interaction.StatusSampledOut
			sampledOut = append(sampledOut, i)
			continue
		}
		sampled = append(sampled, i)
		claims = append(claims, store.Run{WorkflowID: res.Matches[i].WorkflowID, EntryID: m.Entry.ID, EntryVersion: m.Entry.Version,
			InteractionID: ev.InteractionID, Trigger: m.Reason,
			CustomerID: customerID(ev), CancelOnNewInteraction: m.Entry.CancelOnNewInteraction, CaseID: caseID(ev),
			Service: ev.Service, Disposition: ev.Disposition, Channel: ev.Channel, InteractionEndedAt: ev.EndedAt,
			Variant: entry.Variant(m.Entry, res.Matches[i].WorkflowID)})
		if ev.Agent != nil {
			claims[len(claims)-1].AgentID = ev.Agent.ID
		}
	}
	if dryRun {
		if len(matches) == 0 {
			return res, nil
		}
		return s.dryRun(ctx, res)
	}
	// Before any run of this interaction starts, whether or not it
	// matches, the customer's earlier follow-ups that stop on a new
	// interaction stop: in the statement that claims this interaction's
	// runs when it claims any, else on their own.
	if customerID(ev) == "" || len(claims) == 0 {
		if err := s.CustomerContactedAgain(ctx, ev); err != nil {
			return interaction.Result{}, err
		}
	}
	if len(sampledOut) > 0 {
		// A run that started before the entry's sample changed is still
		// the interaction's: a repeated event says so.
		if err := s.startedAlready(ctx, &res, sampledOut); err != nil {
			return interaction.Result{}, err
		}
	}
	if len(claims) == 0 {
		return res, nil
	}

	claimedSampled, err := s.claim(ctx, ev, claims)
	if err != nil {
		return interaction.Result{}, err
	}
	// claimed is indexed as matches are; sampled-out matches claim nothing.
	claimed := make([]store.Claim, len(matches))
	for j, i := range sampled {
		claimed[i] = claimedSampled[j]
	}
	var toStart []int
	for _, i := range sampled {
		if c := claimed[i]; c.RunID != "" {
			// Report what the existing run was started with, not today's entry.
			mr := &res.Matches[i]
			mr.EntryVersion, mr.Trigger, mr.RunID, mr.Status = c.EntryVersion, c.Trigger, c.RunID, interaction.StatusAlreadyStarted
			continue
		}
		toStart = append(toStart, i)
	}
	if len(toStart) == 0 {
		return res, nil
	}

	errs := make([]error, len(matches))
	startOne := func(i int) {
		errs[i] = s.startClaimed(ctx, ev, matches[i], claimed[i], &res.Matches[i])
	}
	if len(toStart) == 1 {
		startOne(toStart[0])
	} else {
		var wg sync.WaitGroup
		for _, i := range toStart {
			wg.Go(func() { startOne(i) })
		}
		wg.Wait()
	}

	var confirm []store.Run
	for _, i := range toStart {
		if errs[i] == nil {
			mr := res.Matches[i]
			confirm = append(confirm, store.Run{WorkflowID: mr.WorkflowID, RunID: mr.RunID, EntryVersion: mr.EntryVersion, Trigger: mr.Trigger})
		}
	}
	if len(confirm) > 0 {
		s.confirm(ctx, confirm)
	}
	if err := startFailure(res, toStart, errs); err != nil {
		return interaction.Result{}, err
	}
	return res, nil
}

// claim claims the runs of claims (ClaimRuns) and, for an event naming a
// customer, in the same statement records the customer's interaction
// and stops the earlier follow-ups it ends (CustomerContactedAgain). When
// stopping them fails, the claims stay, unstarted: the caller's retry
// starts them, or the reconciler removes them.
func (s *Service) claim(ctx context.Context, ev interaction.Event, claims []store.Run) ([]store.Claim, error) {
	customer := customerID(ev)
	if customer == "" {
		claimed, err := s.Store.ClaimRuns(ctx, claims)
		return claimed, classify(err)
	}
	claimed, stop, err := s.Store.ClaimRunsOfCustomer(ctx, claims, customer)
	if err != nil {
		return nil, classify(err)
	}
	if err := s.stopEarlierRuns(ctx, ev, stop); err != nil {
		return nil, err
	}
	return claimed, nil
}

// startedAlready reports, of the matches at indexes, those whose run was
// started already as already_started, in one statement.
func (s *Service) startedAlready(ctx context.Context, res *interaction.Result, indexes []int) error {
	ids := make([]string, len(indexes))
	for j, i := range indexes {
		ids[j] = res.Matches[i].WorkflowID
	}
	recorded, err := s.Store.RecordedRuns(ctx, ids)
	if err != nil {
		return classify(fmt.Errorf("looking up the runs of interaction %s: %w", res.InteractionID, err))
	}
	for _, i := range indexes {
		mr := &res.Matches[i]
		if run, ok := recorded[mr.WorkflowID]; ok {
			mr.EntryVersion, mr.Trigger, mr.RunID, mr.Status = run.EntryVersion, run.Trigger, run.RunID, interaction.StatusAlreadyStarted
		}
	}
	return nil
}

// dryRun says of each match whether its run was started already, in one
// statement; one the entry's sample leaves out, and that has no run,
// stays sampled_out.
func (s *Service) dryRun(ctx context.Context, res interaction.Result) (interaction.Result, error) {
	ids := make([]string, len(res.Matches))
	for i, m := range res.Matches {
		ids[i] = m.WorkflowID
	}
	recorded, err := s.Store.RecordedRuns(ctx, ids)
	if err != nil {
		return interaction.Result{}, classify(fmt.Errorf("looking up the runs of interaction %s: %w", res.InteractionID, err))
	}
	for i := range res.Matches {
		mr := &res.Matches[i]
		switch run, ok := recorded[mr.WorkflowID]; {
		case ok:
			mr.EntryVersion, mr.Trigger, mr.RunID, mr.Status = run.EntryVersion, run.Trigger, run.RunID, interaction.StatusAlreadyStarted
		case mr.Status != interaction.StatusSampledOut:
			mr.Status = interaction.StatusWouldStart
		}
	}
	return res, nil
}

// startClaimed starts the run of one claimed match and fills in mr. A start
// Temporal refused for good releases the claim, since nothing started; a
// start that may or may not have happened (Temporal unreachable, slow, or
// the caller gone) keeps it, for a retry or the reconciler to settle.
func (s *Service) startClaimed(ctx context.Context, ev interaction.Event, m triggers.Match, c store.Claim, mr *interaction.MatchResult) error {
	in := workflows.FollowUpInput{Entry: m.Entry, Event: ev, Trigger: m.Reason}
	var err error
	mr.RunID, mr.Status, err = s.start(ctx, in, mr.WorkflowID)
	if err != nil {
		if !ambiguous(err) && ctx.Err() == nil {
			if _, relErr := s.Store.ReleaseClaim(context.WithoutCancel(ctx), c); relErr != nil {
				s.logger().WarnContext(ctx, "a run that did not start keeps its claim until the reconciler removes it",
					slog.String("workflow_id", mr.WorkflowID), slog.Any("error", relErr))
			}
		}
		return err
	}
	if mr.Status == interaction.StatusAlreadyStarted {
		// An earlier attempt started the run but did not record it; the
		// entry may have changed since, so ask the run what it started with.
		return s.startedWith(ctx, mr)
	}
	return nil
}

// startFailure is the error of an ingest some of whose starts failed
// (errs[i] for the match i of toStart), saying what is true: which runs
// started, which may or may not have, which Temporal refused, and that
// sending the event again starts only what is missing. It is nil when
// every start succeeded, and an UnavailableError when trying again can
// help.
func startFailure(res interaction.Result, toStart []int, errs []error) error {
	var started, unanswered, refused []string
	var retryable, final []error
	for _, i := range toStart {
		id := res.Matches[i].WorkflowID
		switch err := errs[i]; {
		case err == nil:
			started = append(started, id)
		case res.Matches[i].RunID != "":
			// It runs, but what it was started with could not be read;
			// its claim keeps it recorded until a retry or the
			// reconciler reads it.
			started = append(started, id)
			retryable = append(retryable, err)
		case ambiguous(err):
			unanswered = append(unanswered, id)
			retryable = append(retryable, err)
		default:
			refused = append(refused, id)
			final = append(final, err)
		}
	}
	if len(retryable) == 0 && len(final) == 0 {
		return nil
	}
	if len(retryable) == 0 && len(started) == 0 {
		return errors.Join(final...) // nothing started, and trying again will not help
	}
	var parts []string
	if len(started) > 0 {
		parts = append(parts, strings.Join(started, ", ")+" started")
	}
	if len(unanswered) > 0 {
		parts = append(parts, "Temporal did not answer in time for "+strings.Join(unanswered, ", ")+", which may or may not have started")
	} else if len(retryable) > 0 {
		parts = append(parts, "Temporal did not answer in time when asked what they were started with")
	}
	if len(refused) > 0 {
		parts = append(parts, "Temporal refused to start "+strings.Join(refused, ", "))
	}
	msg := strings.Join(parts, "; ") + "; sending the event again starts only what is missing"
	err := errors.Join(append(retryable, final...)...)
	if len(retryable) == 0 {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return &UnavailableError{Message: msg, Err: err}
}

// ambiguous reports whether a failed start may still have happened: the
// request may have reached Temporal before the answer was lost.
func ambiguous(err error) bool {
	return IsUnavailable(err) || errors.Is(err, context.Canceled)
}

// caseID is the event's case.id, or "".
func caseID(ev interaction.Event) string {
	if ev.Case == nil {
		return ""
	}
	return ev.Case.ID
}

// customerID is the event's customer.id, or "".
func customerID(ev interaction.Event) string {
	if ev.Customer == nil {
		return ""
	}
	return ev.Customer.ID
}

// start starts one follow-up and returns its run ID and whether this call
// started it.
func (s *Service) start(ctx context.Context, in workflows.FollowUpInput, workflowID string) (runID, status string, err error) {
	run, err := s.Temporal.ExecuteWorkflow(ctx, StartOptions(in, workflowID, s.TaskQueue), workflows.FollowUp, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &already):
		return already.RunId, interaction.StatusAlreadyStarted, nil
	case err != nil:
		return "", "", classify(fmt.Errorf("starting workflow %s: %w", workflowID, err))
	}
	s.logger().InfoContext(ctx, "started follow-up",
		slog.String("entry", in.Entry.ID), slog.Int("entry_version", in.Entry.Version),
		slog.String("interaction", in.Event.InteractionID), slog.String("workflow_id", workflowID),
		slog.String("run_id", run.GetRunID()), slog.String("trigger", in.Trigger))
	return run.GetRunID(), interaction.StatusStarted, nil
}

// startedWith sets mr's entry version and trigger to what its run was
// started with, from the run's memo; a run without one (started before
// ccflow kept it) leaves mr as it is.
func (s *Service) startedWith(ctx context.Context, mr *interaction.MatchResult) error {
	started, err := describeStart(ctx, s.Temporal, mr.WorkflowID, mr.RunID)
	if started.Known {
		mr.EntryVersion, mr.Trigger = started.EntryVersion, started.Trigger
	}
	return err
}
