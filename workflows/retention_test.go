package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows"
)

func TestRetentionRunsRoundsUntilNothingIsLeftAndSumsThem(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.Retention, workflowOptions(workflows.RetentionWorkflow))
	env.RegisterActivityWithOptions(func(context.Context, workflows.PurgeInput) (workflows.PurgeResult, error) {
		panic("PurgeExpired is not mocked")
	}, activity.RegisterOptions{Name: workflows.PurgeExpiredActivity})
	cutoff := time.Date(2026, 8, 25, 3, 30, 0, 0, time.UTC)
	rounds := []workflows.PurgeResult{
		{Purged: workflows.Purged{Deliveries: 1000, Surveys: 10}, Retention: "90d", Cutoff: cutoff, More: true},
		{Purged: workflows.Purged{Deliveries: 7, SurveyAnswers: 3, OutboxFiles: 2}, Retention: "90d", Cutoff: cutoff},
	}
	calls := 0
	env.OnActivity(workflows.PurgeExpiredActivity, mock.Anything, mock.Anything).Return(
		func(context.Context, workflows.PurgeInput) (workflows.PurgeResult, error) {
			calls++
			return rounds[calls-1], nil
		})

	env.ExecuteWorkflow(workflows.RetentionWorkflow, workflows.RetentionInput{})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RetentionResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.RetentionResult{
		Purged:    workflows.Purged{Deliveries: 1007, Surveys: 10, SurveyAnswers: 3, OutboxFiles: 2},
		Retention: "90d", Cutoff: cutoff, Rounds: 2,
	}, res)
}

func workflowOptions(name string) workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: name}
}
