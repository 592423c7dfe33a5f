package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// RetentionWorkflow is the workflow type Retention runs as. A daily
// Temporal Schedule (usecase.EnsureRetentionSchedule) starts it.
const RetentionWorkflow = "Retention"

// retentionRounds bounds the rounds of one run: each round works for a few
// minutes, and a backlog larger than this many is left for the next day.
const retentionRounds = 100

// RetentionInput is what a retention run is started with: nothing yet,
// since the worker that runs PurgeExpired knows the retention and the
// outbox. A struct, so fields can come without changing the signature.
type RetentionInput struct{}

// RetentionResult is what a retention run deleted in all.
type RetentionResult struct {
	Purged
	Retention string    `json:"retention"`
	Cutoff    time.Time `json:"cutoff"`
	Rounds    int       `json:"rounds"`
	// More is true when the run stopped with data left to delete: the
	// next day's run goes on.
	More bool `json:"more"`
}

// Retention deletes the customer data older than the worker's retention,
// a round at a time, and reports what it deleted. Its history holds counts
// and times only.
func Retention(ctx workflow.Context, _ RetentionInput) (RetentionResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		// A database that stays down for hours is retried by the next
		// day's run instead.
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    10 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Minute,
		},
		Summary: "delete customer data past retention",
	})
	var res RetentionResult
	for res.Rounds < retentionRounds {
		var round PurgeResult
		if err := workflow.ExecuteActivity(ctx, PurgeExpiredActivity, PurgeInput{}).Get(ctx, &round); err != nil {
			return res, err
		}
		res.Rounds++
		res.add(round.Purged)
		res.Retention, res.Cutoff, res.More = round.Retention, round.Cutoff, round.More
		if !round.More {
			break
		}
	}
	return res, nil
}
