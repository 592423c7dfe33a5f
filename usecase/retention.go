package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/workflows"
)

// RetentionScheduleID is the ID of the Temporal Schedule that runs
// retention daily on taskQueue: "ccflow-retention" on the default queue,
// and one of its own on every other, so deployments (and tests) sharing a
// namespace each keep their own.
func RetentionScheduleID(taskQueue string) string {
	if taskQueue == config.DefaultTaskQueue {
		return "ccflow-retention"
	}
	return "ccflow-retention-" + taskQueue
}

// retentionSchedule is when retention runs: daily at 03:30 UTC, give or
// take 15 minutes, when contact centers send least.
func retentionSchedule() client.ScheduleSpec {
	return client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Hour:    []client.ScheduleRange{{Start: 3}},
			Minute:  []client.ScheduleRange{{Start: 30}},
			Comment: "daily, 03:30 UTC",
		}},
		Jitter: 15 * time.Minute,
	}
}

func retentionAction(scheduleID, taskQueue string) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:        scheduleID,
		Workflow:  workflows.RetentionWorkflow,
		Args:      []any{workflows.RetentionInput{}},
		TaskQueue: taskQueue,
		// A run that hangs gives way to the next day's.
		WorkflowRunTimeout: 23 * time.Hour,
		StaticSummary:      "delete customer data past CCFLOW_RETENTION",
	}
}

// EnsureRetentionSchedule makes the daily retention schedule of taskQueue
// exist as this code defines it: it creates it, or brings the one found
// up to date (when it runs, what it starts), leaving alone whether an
// operator paused it. Every worker calls it at start-up; calling it again
// changes nothing.
func EnsureRetentionSchedule(ctx context.Context, c client.Client, taskQueue string) (string, error) {
	id := RetentionScheduleID(taskQueue)
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:     id,
		Spec:   retentionSchedule(),
		Action: retentionAction(id, taskQueue),
		// One run a day at most; a worker that was down at 03:30 runs it
		// when it is back within the day.
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: 24 * time.Hour,
		Note:          "created by the ccflow worker: deletes customer data older than CCFLOW_RETENTION",
	})
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return id, classify(fmt.Errorf("creating the retention schedule %s: %w", id, err))
	}
	// Workers starting together update it together: the server refuses an
	// update made from a description another one has changed since, and
	// the next attempt reads it again.
	for attempt := 1; attempt <= 3; attempt++ {
		err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				s := in.Description.Schedule
				spec := retentionSchedule()
				s.Spec = &spec
				s.Action = retentionAction(id, taskQueue)
				return &client.ScheduleUpdate{Schedule: &s}, nil
			},
		})
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return id, classify(fmt.Errorf("updating the retention schedule %s: %w", id, err))
	}
	return id, nil
}
