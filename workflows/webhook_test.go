package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/workflows"
)

// webhookEnv runs WebhookDelivery with attempt as the delivery activity.
func webhookEnv(t *testing.T, attempt func(ctx context.Context, in workflows.DeliverWebhookInput) (workflows.WebhookOutcome, error)) (*testsuite.TestWorkflowEnvironment, *[]workflows.FinishWebhookInput) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.WebhookDelivery, workflowOptions(workflows.WebhookDeliveryWorkflow))
	env.RegisterActivityWithOptions(attempt, activity.RegisterOptions{Name: workflows.DeliverWebhookActivity})
	var finished []workflows.FinishWebhookInput
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.FinishWebhookInput) (workflows.WebhookOutcome, error) {
		finished = append(finished, in)
		return workflows.WebhookOutcome{Outcome: in.Status, Reason: in.Reason}, nil
	}, activity.RegisterOptions{Name: workflows.FinishWebhookActivity})
	return env, &finished
}

func TestADeliveryIsRetriedByItsScheduleUntilItIsDelivered(t *testing.T) {
	t.Parallel()
	var times []time.Time
	var env *testsuite.TestWorkflowEnvironment
	env, finished := webhookEnv(t, func(ctx context.Context, in workflows.DeliverWebhookInput) (workflows.WebhookOutcome, error) {
		times = append(times, env.Now())
		require.Equal(t, "msg_1", in.DeliveryID)
		if len(times) < 4 {
			return workflows.WebhookOutcome{}, errors.New("the receiver answered 500")
		}
		return workflows.WebhookOutcome{Outcome: workflows.WebhookDelivered}, nil
	})

	env.ExecuteWorkflow(workflows.WebhookDeliveryWorkflow, workflows.WebhookDeliveryInput{DeliveryID: "msg_1", Retry: webhook.DefaultRetry})

	require.NoError(t, env.GetWorkflowError())
	var out workflows.WebhookOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, workflows.WebhookDelivered, out.Outcome)
	require.Len(t, times, 4)
	require.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second},
		[]time.Duration{times[1].Sub(times[0]), times[2].Sub(times[1]), times[3].Sub(times[2])}, "5 s, then doubling")
	require.Empty(t, *finished)
}

// The schedule reaches Temporal as the attempt's timeouts and retry
// policy (its waits: TestADeliveryIsRetriedByItsScheduleUntilItIsDelivered):
// retried for a day from the first attempt, 10 s per attempt and time to
// record it. Once it runs out the delivery is recorded failed.
// (The SDK's test environment caps retries at 10 attempts; the real
// server keeps going for the day: TestEveryEventReachesAFlakyReceiver.)
func TestADeliveryNobodyTakesIsRecordedFailedWhenItsScheduleRunsOut(t *testing.T) {
	t.Parallel()
	var info activity.Info
	env, finished := webhookEnv(t, func(ctx context.Context, _ workflows.DeliverWebhookInput) (workflows.WebhookOutcome, error) {
		info = activity.GetInfo(ctx)
		return workflows.WebhookOutcome{}, errors.New("no answer in time")
	})

	env.ExecuteWorkflow(workflows.WebhookDeliveryWorkflow, workflows.WebhookDeliveryInput{DeliveryID: "msg_2"})

	require.NoError(t, env.GetWorkflowError())
	var out workflows.WebhookOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, workflows.WebhookFailed, out.Outcome)
	require.Equal(t, []workflows.FinishWebhookInput{{DeliveryID: "msg_2", Status: "failed", Reason: "no attempt succeeded in 24h0m0s"}}, *finished)
	require.Equal(t, 24*time.Hour, info.ScheduleToCloseTimeout, "retried for a day")
	require.Equal(t, 20*time.Second, info.StartToCloseTimeout, "10 s for the request, 10 s to record it")
}

func TestAGoneReceiverEndsTheDeliveryAtOnce(t *testing.T) {
	t.Parallel()
	attempts := 0
	env, finished := webhookEnv(t, func(context.Context, workflows.DeliverWebhookInput) (workflows.WebhookOutcome, error) {
		attempts++
		return workflows.WebhookOutcome{Outcome: workflows.WebhookStopped, Reason: "the receiver answered 410 Gone"}, nil
	})

	env.ExecuteWorkflow(workflows.WebhookDeliveryWorkflow, workflows.WebhookDeliveryInput{DeliveryID: "msg_3", Retry: webhook.DefaultRetry})

	var out workflows.WebhookOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, workflows.WebhookStopped, out.Outcome)
	require.Equal(t, 1, attempts)
	require.Empty(t, *finished)
}
