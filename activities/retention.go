package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/providers/outbox"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// purgeBatch is how many rows of each kind one transaction of PurgeExpired
// deletes: small enough to hold its locks for moments only.
const purgeBatch = 1000

// purgeBudget is how long one round of PurgeExpired deletes before it
// hands back, well inside its StartToClose timeout.
const purgeBudget = 4 * time.Minute

// PurgeExpired deletes the customer data older than the worker's retention
// (CCFLOW_RETENTION): the store's, batch after batch while its budget
// lasts, then the outbox files. It heartbeats after every batch, so a
// worker that dies mid-round is noticed within the heartbeat timeout; a
// round cut short says More, and the workflow runs another.
func (a *Activities) PurgeExpired(ctx context.Context, in workflows.PurgeInput) (workflows.PurgeResult, error) {
	retention := a.Retention
	if retention <= 0 {
		retention = config.DefaultRetention
	}
	batch := in.Batch
	if batch <= 0 {
		batch = purgeBatch
	}
	now := a.now()
	cutoff := now.Add(-retention)
	res := workflows.PurgeResult{Retention: durations.Format(retention), Cutoff: cutoff}
	var total store.Purged
	deadline := time.Now().Add(purgeBudget)
	for {
		p, err := a.Store.Purge(ctx, cutoff, now, batch)
		if err != nil {
			return res, err
		}
		total.Add(p)
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, total)
		}
		if p.Total() == 0 {
			break
		}
		if time.Now().After(deadline) {
			res.More = true
			break
		}
	}
	res.Purged = workflows.Purged{
		Deliveries: total.Deliveries, SMSStatuses: total.SMSStatuses, Surveys: total.Surveys, SurveyAnswers: total.SurveyAnswers,
		CustomerInteractions: total.CustomerInteractions, SuppressionReasons: total.SuppressionReasons, PostedEvents: total.PostedEvents,
		WebhookEvents: total.WebhookEvents, RecordedInteractions: total.RecordedInteractions, RunsUnlinked: total.RunsUnlinked,
	}
	if a.OutboxDir != "" {
		n, err := outbox.Purge(a.OutboxDir, cutoff)
		res.OutboxFiles = int64(n)
		if err != nil {
			return res, fmt.Errorf("deleting outbox files older than %s: %w", cutoff.UTC().Format(time.RFC3339), err)
		}
	}
	a.logger(ctx).Info("deleted customer data past retention", "retention", res.Retention, "cutoff", cutoff,
		"deliveries", res.Deliveries, "sms_statuses", res.SMSStatuses, "surveys", res.Surveys, "survey_answers", res.SurveyAnswers,
		"customer_interactions", res.CustomerInteractions, "suppression_reasons", res.SuppressionReasons,
		"posted_events", res.PostedEvents, "runs_unlinked", res.RunsUnlinked, "outbox_files", res.OutboxFiles, "webhook_events", res.WebhookEvents,
		"recorded_interactions", res.RecordedInteractions, "more", res.More)
	return res, nil
}
