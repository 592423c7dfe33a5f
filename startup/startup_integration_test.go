//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./startup).

package startup

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/internal/testenv"
)

// Start leaves a binary with its store migrated and answering, the key its
// survey links are signed with, and Temporal options carrying ccflow's
// logger and telemetry; the starter and the worker share the key.
func TestStartOpensWhatBothBinariesNeed(t *testing.T) {
	_, dbURL := testenv.StoreURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("CCFLOW_API_TOKEN", "a-token-for-the-starter")
	ctx := context.Background()

	worker, err := Start(ctx, config.Worker)
	require.NoError(t, err)
	defer worker.Close()
	starter, err := Start(ctx, config.Starter)
	require.NoError(t, err)
	defer starter.Close()

	require.Equal(t, "worker", worker.Name)
	require.Equal(t, "starter", starter.Name)
	require.NoError(t, worker.Store.Ping(ctx))
	require.NotNil(t, worker.Keys)
	link := worker.Keys.Survey.Sign("survey-1")
	got, err := starter.Keys.Survey.Verify(link)
	require.NoError(t, err, "the worker signs the links the starter verifies")
	require.Equal(t, "survey-1", got)
	require.NotNil(t, worker.WebhookSealer)
	require.NotNil(t, worker.Temporal.Logger)
	require.NotNil(t, worker.Temporal.MetricsHandler, "the SDK's metrics reach /metrics")
	require.NotNil(t, worker.Log)
}
