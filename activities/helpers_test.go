package activities_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/store"
)

// execute runs one activity method the way a worker does, registered
// under the contract's names, so the activity context and logger are there.
func execute[In, Out any](t *testing.T, acts *activities.Activities, fn func(context.Context, In) (Out, error), in In) (Out, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	activities.Register(env, acts)
	var out Out
	val, err := env.ExecuteActivity(fn, in)
	if err != nil {
		return out, err
	}
	require.NoError(t, val.Get(&out))
	return out, nil
}

func requireNonRetryable(t *testing.T, err error, errType string) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable(), "want a non-retryable error, got %v", err)
	require.Equal(t, errType, appErr.Type())
	return appErr
}

func requireRetryable(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		require.False(t, appErr.NonRetryable(), "want a retryable error, got %v", err)
	}
}

func deliveryOf(t *testing.T, s *store.Store, workflowID, key string) store.Delivery {
	t.Helper()
	list, err := s.Deliveries(context.Background(), workflowID)
	require.NoError(t, err)
	for _, d := range list {
		if d.Key == key {
			return d
		}
	}
	require.FailNowf(t, "delivery not recorded", "no delivery %q in %+v", key, list)
	return store.Delivery{}
}
