package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"

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
// dryRun, starts one follow-up per match, in entry-id order.
//
// Every step is idempotent, so a caller that gets an error simply sends the
// same event again: the workflow ID is derived from the entry and the
// interaction and Temporal rejects a second start of it (reuse policy
// REJECT_DUPLICATE, so even a finished run is never started again), and the
// runs table records each start with ON CONFLICT DO NOTHING. A retry
// therefore answers already_started for what an earlier attempt started and
// starts only what is still missing. Validation problems come back as
// validation.Errors; PostgreSQL or Temporal being unreachable or slow comes
// back wrapped in ErrUnavailable.
func (s *Service) Ingest(ctx context.Context, ev interaction.Event, dryRun bool) (interaction.Result, error) {
	if err := ev.Validate(); err != nil {
		return interaction.Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	entries, err := s.Store.Entries(ctx)
	if err != nil {
		return interaction.Result{}, classify(fmt.Errorf("loading entries for interaction %s: %w", ev.InteractionID, err))
	}
	matches := triggers.Find(ev, entries) // in entry-id order
	if !dryRun {
		// Before any run of this interaction starts: the customer's
		// earlier follow-ups that stop on a new interaction stop now.
		if err := s.CustomerContactedAgain(ctx, ev); err != nil {
			return interaction.Result{}, err
		}
	}

	res := interaction.Result{InteractionID: ev.InteractionID, Matches: make([]interaction.MatchResult, 0, len(matches))}
	for _, m := range matches {
		mr, err := s.ingestMatch(ctx, ev, m, dryRun)
		if err != nil {
			return interaction.Result{}, err
		}
		res.Matches = append(res.Matches, mr)
		s.Metrics.Matched(mr.EntryID, mr.Status)
	}
	s.Metrics.EventIngested(dryRun)
	return res, nil
}

func (s *Service) ingestMatch(ctx context.Context, ev interaction.Event, m triggers.Match, dryRun bool) (interaction.MatchResult, error) {
	mr := interaction.MatchResult{
		EntryID:      m.Entry.ID,
		EntryVersion: m.Entry.Version,
		Trigger:      m.Reason,
		WorkflowID:   workflows.WorkflowID(m.Entry.ID, ev.InteractionID),
	}
	run, err := s.Store.Run(ctx, mr.WorkflowID)
	switch {
	case err == nil:
		// Report what the existing run was started with, not today's entry.
		mr.EntryVersion, mr.Trigger, mr.RunID, mr.Status = run.EntryVersion, run.Trigger, run.RunID, interaction.StatusAlreadyStarted
		return mr, nil
	case !errors.Is(err, store.ErrNotFound):
		return interaction.MatchResult{}, classify(fmt.Errorf("looking up run %s: %w", mr.WorkflowID, err))
	case dryRun:
		mr.Status = interaction.StatusWouldStart
		return mr, nil
	}

	mr.RunID, mr.Status, err = s.start(ctx, workflows.FollowUpInput{Entry: m.Entry, Event: ev, Trigger: m.Reason}, mr.WorkflowID)
	if err != nil {
		return interaction.MatchResult{}, err
	}
	if mr.Status == interaction.StatusAlreadyStarted {
		// An earlier attempt started the run but did not record it; the
		// entry may have changed since, so ask the run what it started with.
		if err := s.startedWith(ctx, &mr); err != nil {
			return interaction.MatchResult{}, err
		}
	}
	err = s.Store.RecordRun(ctx, store.Run{
		WorkflowID:    mr.WorkflowID,
		RunID:         mr.RunID,
		EntryID:       mr.EntryID,
		EntryVersion:  mr.EntryVersion,
		InteractionID: ev.InteractionID,
		Trigger:       mr.Trigger,
		CustomerID:    customerID(ev),
		// The flag of the version the run started with, which an
		// already_started run may not share with today's entry.
		CancelOnNewInteraction: m.Entry.CancelOnNewInteraction && mr.EntryVersion == m.Entry.Version,
	})
	if err != nil {
		return interaction.MatchResult{}, classify(fmt.Errorf("recording run %s (%s): %w", mr.WorkflowID, mr.RunID, err))
	}
	return mr, nil
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
	run, err := s.Temporal.ExecuteWorkflow(ctx, startOptions(in, workflowID, s.TaskQueue), workflows.FollowUp, in)
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
	version, trigger, ok, err := startedWithMemo(ctx, s.Temporal, mr.WorkflowID, mr.RunID)
	if ok {
		mr.EntryVersion, mr.Trigger = version, trigger
	}
	return err
}
