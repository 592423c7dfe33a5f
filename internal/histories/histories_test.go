//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./internal/histories).

package histories_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/internal/histories"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/workflows"
)

func record(t *testing.T, o histories.Options) (string, error) {
	t.Helper()
	var progress bytes.Buffer
	o.Temporal, o.Store, o.Progress = testenv.Temporal(t), testenv.Store(t), &progress
	err := histories.Record(context.Background(), o)
	return progress.String(), err
}

func TestARecordedHistoryReplaysWithTheWorkersWorkflows(t *testing.T) {
	dir := t.TempDir()

	progress, err := record(t, histories.Options{Dir: dir, Prefix: "v9-", Scenarios: []string{"set-variable-and-if", "run-failed"}})

	require.NoError(t, err)
	require.Contains(t, progress, "recorded set-variable-and-if")
	require.Contains(t, progress, "recorded run-failed")
	// The recording's client encrypts (testenv.PayloadKeys): the replayer
	// decrypts with the same keys, as a worker would.
	keys := testenv.PayloadKeys(t)
	dc := keys.DataConverter()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc, FailureConverter: keys.FailureConverter(dc)})
	require.NoError(t, err)
	workflows.Register(r)
	for _, name := range []string{"v9-set-variable-and-if.json", "v9-run-failed.json"} {
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), filepath.Join(dir, name)))
	}
}

func TestAnExistingHistoryIsKeptUnlessReplaced(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "run-failed.json")
	require.NoError(t, os.WriteFile(file, []byte("recorded by older code"), 0o644))

	progress, err := record(t, histories.Options{Dir: dir, Scenarios: []string{"run-failed"}})
	require.NoError(t, err)
	require.Contains(t, progress, "keeping "+file)
	kept, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "recorded by older code", string(kept))

	_, err = record(t, histories.Options{Dir: dir, Scenarios: []string{"run-failed"}, Replace: true})
	require.NoError(t, err)
	replaced, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Contains(t, string(replaced), "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED")
}

func TestAnUnknownScenarioIsAnErrorNamingTheKnownOnes(t *testing.T) {
	_, err := record(t, histories.Options{Dir: t.TempDir(), Scenarios: []string{"survey-answred"}})

	require.ErrorContains(t, err, `no scenario is called "survey-answred" (known: [survey-answered nps-detractor survey-timed-out`)
}

func TestRecordingRefusesADatabaseWithEntriesOfItsOwn(t *testing.T) {
	st := testenv.Store(t)
	_, err := st.CreateEntry(context.Background(), entry.Entry{ID: "kept", Name: "Kept", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Spam"}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "1m"}}}})
	require.NoError(t, err)

	err = histories.Record(context.Background(), histories.Options{Temporal: testenv.Temporal(t), Store: st,
		Dir: t.TempDir(), Scenarios: []string{"run-failed"}, Progress: &bytes.Buffer{}})

	require.ErrorContains(t, err, "the database holds 1 live entries")
	live, err := st.Entries(context.Background())
	require.NoError(t, err)
	require.Len(t, live, 1, "the recording left the entry alone")
}
