package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// WebhookDispatcher turns the outbox's deliveries into Temporal work: a
// WebhookDelivery workflow per delivery, whose ID is made of the
// delivery's id, so a delivery dispatched twice (two dispatchers, a
// dispatcher that died between starting and recording it) still runs
// once. It wakes when an event's transaction commits (PostgreSQL's
// NOTIFY) and sweeps every Sweep for anything a lost notification or a
// dead dispatcher left.
//
// The workers run it: a delivery makes progress only where a worker runs
// anyway, the starters stay request-sized, and the worker already owns
// ccflow's other background work (retention). Several at once are safe:
// each claims its deliveries for a while (FOR UPDATE SKIP LOCKED), and the
// workflow ID makes a second start of one delivery a no-op.
type WebhookDispatcher struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	// Retry is the deliveries' schedule; zero is webhook.DefaultRetry.
	Retry webhook.Retry
	// Sweep is how often it looks without being woken; zero is 15 s.
	Sweep time.Duration
	Log   *slog.Logger
}

const (
	// dispatchBatch is how many deliveries one claim takes.
	dispatchBatch = 100
	// dispatchLease is how long a claim holds its deliveries from other
	// dispatchers: ample for starting a batch.
	dispatchLease = time.Minute
	defaultSweep  = 15 * time.Second
)

// Run dispatches until ctx ends.
func (d *WebhookDispatcher) Run(ctx context.Context) error {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	sweep := d.Sweep
	if sweep <= 0 {
		sweep = defaultSweep
	}
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go func() {
		err := d.Store.WatchWebhooks(ctx, notify, func(err error) {
			log.Warn("webhook dispatcher: listening for new events failed; sweeping meanwhile", slog.Any("error", err))
		})
		if err != nil {
			log.Error("webhook dispatcher: not listening for new events; sweeping every "+sweep.String(), slog.Any("error", err))
		}
	}()
	ticker := time.NewTicker(sweep)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-ticker.C:
		}
		for {
			n, err := d.DispatchOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("webhook dispatcher: dispatching failed; trying again at the next sweep", slog.Any("error", err))
				}
				break
			}
			if n < dispatchBatch {
				break
			}
		}
	}
}

// DispatchOnce claims a batch of deliveries and starts a workflow for
// each, returning how many it claimed.
func (d *WebhookDispatcher) DispatchOnce(ctx context.Context) (int, error) {
	ids, err := d.Store.ClaimWebhookDeliveries(ctx, dispatchBatch, dispatchLease)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	retry := d.Retry
	if retry == (webhook.Retry{}) {
		retry = webhook.DefaultRetry
	}
	started := make([]string, 0, len(ids))
	var startErr error
	for _, id := range ids {
		if err := d.start(ctx, id, retry); err != nil {
			// The rest stay claimed until the lease ends, then any
			// dispatcher takes them again.
			startErr = err
			break
		}
		started = append(started, id)
	}
	if len(started) > 0 {
		if err := d.Store.MarkWebhookDispatched(ctx, started); err != nil {
			return len(ids), err
		}
	}
	return len(ids), startErr
}

// start starts the delivery's workflow; one that exists already, running
// or closed, counts as started.
func (d *WebhookDispatcher) start(ctx context.Context, id string, retry webhook.Retry) error {
	_, err := d.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.WebhookWorkflowID(id),
		TaskQueue:                d.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		StaticSummary:            "webhook delivery " + id,
	}, workflows.WebhookDeliveryWorkflow, workflows.WebhookDeliveryInput{DeliveryID: id, Retry: retry})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) {
		return classify(fmt.Errorf("starting the workflow of webhook delivery %s: %w", id, err))
	}
	return nil
}
