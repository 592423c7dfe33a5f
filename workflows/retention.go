package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// RetentionWorkflow is the workflow type Retention runs as. A daily
// Temporal Schedule (usecase.EnsureRetentionSchedule) starts it.
const RetentionWorkflow = "Retention"

// PurgeExpiredActivity deletes one round of the customer data older than
// the worker's CCFLOW_RETENTION.
const PurgeExpiredActivity = "PurgeExpired"

// retentionRounds bounds the rounds of one run: each round works for a few
// minutes, and a backlog larger than this many is left for the next day.
const retentionRounds = 100

// RetentionInput is what a retention run is started with: nothing yet,
// since the worker that runs PurgeExpired knows the retention and the
// outbox. A struct, so fields can come without changing the signature.
type RetentionInput struct{}

// PurgeInput is one round of PurgeExpired.
type PurgeInput struct {
	// Batch is how many rows of each kind one transaction deletes; zero
	// means the activity's default.
	Batch int `json:"batch,omitempty"`
}

// Purged counts what retention deleted, by kind.
type Purged struct {
	Deliveries           int64 `json:"deliveries"`
	SMSStatuses          int64 `json:"sms_statuses"`
	Surveys              int64 `json:"surveys"`
	SurveyAnswers        int64 `json:"survey_answers"`
	CustomerInteractions int64 `json:"customer_interactions"`
	SuppressionReasons   int64 `json:"suppression_reasons"`
	OutboxFiles          int64 `json:"outbox_files"`
}

func (p *Purged) add(o Purged) {
	p.Deliveries += o.Deliveries
	p.SMSStatuses += o.SMSStatuses
	p.Surveys += o.Surveys
	p.SurveyAnswers += o.SurveyAnswers
	p.CustomerInteractions += o.CustomerInteractions
	p.SuppressionReasons += o.SuppressionReasons
	p.OutboxFiles += o.OutboxFiles
}

// PurgeResult is what one round deleted, and whether it stopped before
// the end (More).
type PurgeResult struct {
	Purged
	// Retention is the worker's CCFLOW_RETENTION, Cutoff the time before
	// which data was deleted.
	Retention string    `json:"retention"`
	Cutoff    time.Time `json:"cutoff"`
	More      bool      `json:"more"`
}

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
