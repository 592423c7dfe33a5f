package workflows_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/workflows"
)

// historiesDir holds the histories `make record-histories` recorded from
// real runs; every one of them must replay against the current code.
const historiesDir = "../testdata/histories"

// replayer replays with what the worker registers and the data converter
// its client uses (the SDK's default, as config builds no other).
func replayer(t *testing.T, register func(worker.WorkflowRegistry)) worker.WorkflowReplayer {
	t.Helper()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter: converter.GetDefaultDataConverter(),
	})
	require.NoError(t, err)
	register(r)
	return r
}

// histories lists the recorded history files matching pattern.
func histories(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(historiesDir, pattern))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no history matches %s in %s: record them with `make record-histories`", pattern, historiesDir)
	return files
}

var quietLogger = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))

func TestEveryRecordedHistoryReplays(t *testing.T) {
	r := replayer(t, workflows.Register)
	for _, file := range histories(t, "*.json") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(quietLogger, file))
		})
	}
}

// followUpStepsReversed is FollowUp after a careless change: the entry's
// steps run last to first.
func followUpStepsReversed(ctx workflow.Context, in workflows.FollowUpInput) (workflows.State, error) {
	slices.Reverse(in.Entry.Steps)
	return workflows.FollowUp(ctx, in)
}

func TestReplayFailsWhenAChangeReordersSteps(t *testing.T) {
	r := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(followUpStepsReversed, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})

	err := r.ReplayWorkflowHistoryFromJSONFile(quietLogger, filepath.Join(historiesDir, "survey-answered.json"))

	requireNondeterminism(t, err)
}

func TestTheCurrentStepChangeWithoutGetVersionWouldBreakRunsInFlight(t *testing.T) {
	r := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(workflows.FollowUpUngated, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})

	err := r.ReplayWorkflowHistoryFromJSONFile(quietLogger, filepath.Join(historiesDir, "survey-answered.json"))

	requireNondeterminism(t, err)
}

// The corpus keeps histories from before the upsert-current-step change
// (no CcflowCurrentStep in them) beside those recorded after it, so
// TestEveryRecordedHistoryReplays replays both kinds of runs.
func TestTheCorpusHoldsRunsFromBeforeAndAfterTheCurrentStepChange(t *testing.T) {
	kinds := map[bool][]string{}
	for _, file := range histories(t, "*.json") {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		upserts := bytes.Contains(data, []byte(workflows.CurrentStepAttr.GetName()))
		kinds[upserts] = append(kinds[upserts], filepath.Base(file))
	}
	require.NotEmpty(t, kinds[false], "no history from before the change")
	require.NotEmpty(t, kinds[true], "no history recorded after the change")
}

// requireNondeterminism requires err to be the SDK's nondeterminism error,
// whose messages all start with the code TMPRL1100.
func requireNondeterminism(t *testing.T, err error) {
	t.Helper()
	require.ErrorContains(t, err, "[TMPRL1100]", "the replay must fail as nondeterministic")
}
