package workflows_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/codec"
	"github.com/ccflow/ccflow/codec/codectest"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// historiesDir holds the histories `make record-histories` recorded from
// real runs; every one of them must replay against the current code.
const historiesDir = "../testdata/histories"

// replayer replays with what the worker registers and the converters its
// client uses with payload keys set (config.TemporalClientOptions): the
// histories recorded since the payload codec are encrypted with the
// tests' keys, and those recorded before it are in clear, which the codec
// reads as they are.
func replayer(t *testing.T, register func(worker.WorkflowRegistry)) worker.WorkflowReplayer {
	t.Helper()
	var opts client.Options
	codec.Apply(&opts, codectest.Keyring())
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:    opts.DataConverter,
		FailureConverter: opts.FailureConverter,
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
			require.NoError(t, replayAsRecorded(r, file))
		})
	}
}

// replayAsRecorded replays the history in file under the workflow ID it
// was recorded with, as a worker replays its own runs: what a run decides
// from its ID (a split's branch) must come out the same. Histories from
// servers that did not record the ID replay under the replayer's own.
func replayAsRecorded(r worker.WorkflowReplayer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		return err
	}
	id := hist.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowId()
	return r.ReplayWorkflowHistoryWithOptions(quietLogger, hist, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: id},
	})
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

// A run that started before the condition-missing-variable change failed
// its if step on an unanswered survey.score and ran on_error; replayed by
// the change without its gate, it would take the else branch instead.
func TestTheMissingVariableChangeWithoutGetVersionWouldBreakRunsInFlight(t *testing.T) {
	r := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(workflows.FollowUpUngated, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})

	err := r.ReplayWorkflowHistoryFromJSONFile(quietLogger, filepath.Join(historiesDir, "v1-unanswered-score-condition.json"))

	requireNondeterminism(t, err)
}

// A condition that walks a map takes the branch it took when the run was
// recorded on every replay: maps reach CEL in sorted key order. In Go's
// random order, half the replays would take the other branch.
func TestAConditionOverAMapReplaysTheSameEveryTime(t *testing.T) {
	r := replayer(t, workflows.Register)
	file := filepath.Join(historiesDir, "v2-cond-map-order-condition.json")

	for i := range 40 {
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(quietLogger, file), "replay %d", i+1)
	}
}

// The corpus holds runs of SPEC's condition on an unanswered survey from
// before the condition-missing-variable change (the step failed) and after
// it (the condition did not hold), so both keep replaying.
func TestTheCorpusHoldsRunsFromBeforeAndAfterTheMissingVariableChange(t *testing.T) {
	for file, marked := range map[string]bool{
		"v1-unanswered-score-condition.json":      false,
		"v2-cond-unanswered-score-condition.json": true,
	} {
		require.Equal(t, marked, slices.Contains(changeIDs(t, file), "condition-missing-variable"), file)
	}
}

// changeIDs lists the change ids of the version markers in a recorded
// history (workflow.GetVersion's).
func changeIDs(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(historiesDir, file))
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	var ids []string
	for _, e := range h.GetEvents() {
		m := e.GetMarkerRecordedEventAttributes()
		if m == nil || m.GetMarkerName() != "Version" {
			continue
		}
		var id string
		require.NoError(t, codectest.Keyring().DataConverter().FromPayloads(m.GetDetails()["change-id"], &id))
		ids = append(ids, id)
	}
	return ids
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

// Since the payload codec, the corpus holds histories recorded with it
// (v2-enc-*, sealed with the tests' keys) beside those recorded in clear:
// the replayer must hold the keys, as a worker must, and a replayer
// without them cannot read the sealed ones at all.
func TestTheCorpusHoldsEncryptedHistoriesThatReplayOnlyWithTheKeys(t *testing.T) {
	sealed := histories(t, "v2-enc-*.json")
	require.NotEmpty(t, histories(t, "v2-cond-*.json"), "the histories in clear are kept")
	for _, file := range sealed {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Contains(t, string(data), base64.StdEncoding.EncodeToString([]byte(codec.EncodingEncrypted)), "%s is not sealed", file)
		require.NotContains(t, string(data), "ada@example.com", "%s holds the customer's address in clear", file)
	}

	withoutKeys, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{})
	require.NoError(t, err)
	workflows.Register(withoutKeys)
	err = withoutKeys.ReplayWorkflowHistoryFromJSONFile(quietLogger, filepath.Join(historiesDir, "v2-enc-survey-answered.json"))
	// The workflow cannot decode its input, so it makes none of the
	// commands the history holds.
	require.Error(t, err, "a history sealed with the keys replays without them")
	require.NoError(t, replayer(t, workflows.Register).ReplayWorkflowHistoryFromJSONFile(quietLogger,
		filepath.Join(historiesDir, "v2-enc-survey-answered.json")))
}

// The corpus keeps histories from before the survey-answered-during-send
// change (no marker for it) beside those recorded after it (v3-ans-*), so
// TestEveryRecordedHistoryReplays replays both.
func TestTheCorpusHoldsRunsFromBeforeAndAfterTheSurveyAnsweredDuringSendChange(t *testing.T) {
	kinds := map[bool][]string{}
	for _, file := range histories(t, "*.json") {
		marked := slices.Contains(changeVersions(t, file), "survey-answered-during-send-1")
		kinds[marked] = append(kinds[marked], filepath.Base(file))
	}
	require.NotEmpty(t, kinds[false], "no history from before the change")
	require.NotEmpty(t, kinds[true], "no history recorded after the change")
	for _, file := range kinds[true] {
		require.True(t, strings.HasPrefix(file, "v3-ans-") || strings.HasPrefix(file, "v4-"),
			"%s holds the change's marker: record it as v3-ans- or later", file)
	}
}

// A run from before the HTML contexts whose survey html named
// $(survey.rating_links) failed its step on the undefined variable and ran
// on_error; replayed by the change without its gate, it would send the
// survey email instead.
func TestTheHTMLContextsChangeWithoutGetVersionWouldBreakRunsInFlight(t *testing.T) {
	file := filepath.Join(historiesDir, "v3-ans-survey-rating-links-html.json")
	ungated := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(workflows.FollowUpUngated, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})

	requireNondeterminism(t, ungated.ReplayWorkflowHistoryFromJSONFile(quietLogger, file))
	require.NoError(t, replayer(t, workflows.Register).ReplayWorkflowHistoryFromJSONFile(quietLogger, file))
}

// The corpus keeps runs of the survey with rating links in its html from
// before the email-html-contexts change (its step failed) and after it (the
// email went), and v4-mail-* histories hold the change's marker.
func TestTheCorpusHoldsRunsFromBeforeAndAfterTheHTMLContextsChange(t *testing.T) {
	for file, marked := range map[string]bool{
		"v3-ans-survey-rating-links-html.json":  false,
		"v4-mail-survey-rating-links-html.json": true,
		"v4-mail-survey-email-es-nps.json":      true,
	} {
		require.Equal(t, marked, slices.Contains(changeVersions(t, filepath.Join(historiesDir, file)), "email-html-contexts-1"), file)
	}
	for _, file := range histories(t, "v4-mail-*.json") {
		require.Contains(t, changeVersions(t, file), "email-html-contexts-1", file)
	}
}

// The corpus keeps runs from before the send-fallback change beside those
// recorded after it (v4-steps-*), among them a run of every scenario step
// and feature: wait_until, wait_for_event (the event taken while waiting,
// posted before, never posted), split, and fallbacks for an SMS reported
// undelivered, an email to an opted-out address and an SMS over a rolling
// cap. TestEveryRecordedHistoryReplays replays them all.
func TestTheCorpusHoldsRunsOfTheScenarioSteps(t *testing.T) {
	kinds := map[bool][]string{}
	for _, file := range histories(t, "*.json") {
		marked := slices.Contains(changeVersions(t, file), "send-fallback-1")
		kinds[marked] = append(kinds[marked], filepath.Base(file))
	}
	require.NotEmpty(t, kinds[false], "no history from before the change")
	require.NotEmpty(t, kinds[true], "no history recorded after the change")
	for _, name := range []string{"wait-until", "wait-for-event-taken", "wait-for-event-posted-before", "wait-for-event-timed-out",
		"split", "sms-fallback-undelivered", "email-fallback-opted-out", "sms-capped-fallback"} {
		require.Contains(t, kinds[true], "v4-steps-"+name+".json")
	}
}

// A split's branch comes from the workflow ID: replayed under another ID,
// the recorded split run would take the other branch, and the replay
// fails. So the corpus proves the branch is the ID's, not chance's.
func TestASplitReplaysOnlyUnderItsOwnWorkflowID(t *testing.T) {
	r := replayer(t, workflows.Register)
	file := filepath.Join(historiesDir, "v4-steps-split.json")

	require.NoError(t, replayAsRecorded(r, file))
	requireNondeterminism(t, r.ReplayWorkflowHistoryFromJSONFile(quietLogger, file)) // under "ReplayId"
}

// The corpus keeps histories from before the record-run-end change (no
// RecordRunEnd at their end) beside those recorded after it (v4-end-*),
// so TestEveryRecordedHistoryReplays replays both; a run started before
// it, replayed by the change without its gate, would make an activity
// its history does not have.
func TestTheCorpusHoldsRunsFromBeforeAndAfterTheRecordRunEndChange(t *testing.T) {
	kinds := map[bool][]string{}
	for _, file := range histories(t, "*.json") {
		if strings.Contains(filepath.Base(file), "retention") {
			continue // the retention workflow is not a follow-up
		}
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		ends := bytes.Contains(data, []byte(`"`+workflows.RecordRunEndActivity+`"`))
		kinds[ends] = append(kinds[ends], filepath.Base(file))
	}
	require.NotEmpty(t, kinds[false], "no history from before the change")
	require.NotEmpty(t, kinds[true], "no history recorded after the change")
	for _, file := range kinds[true] {
		require.True(t, strings.HasPrefix(file, "v4-end-") || strings.HasPrefix(file, "v4-reply-") || strings.HasPrefix(file, "v5-") || strings.HasPrefix(file, "v6-"),
			"%s records its end: record it as v4-end- or a later generation", file)
	}
	r := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(workflows.FollowUpUngated, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})
	requireNondeterminism(t, r.ReplayWorkflowHistoryFromJSONFile(quietLogger, filepath.Join(historiesDir, "v3-ans-survey-answered.json")))
}

// changeVersions lists the TemporalChangeVersion values a recorded run
// upserted: search attributes stay in clear whatever the payload codec.
func changeVersions(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	var versions []string
	for _, e := range hist.GetEvents() {
		p, ok := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()["TemporalChangeVersion"]
		if !ok {
			continue
		}
		var v []string
		require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &v))
		versions = append(versions, v...)
	}
	return versions
}

// A run that a worker without the send-fallback change started ignored a
// send_sms step's fallback (it reads entries leniently, and a starter with
// the change accepted the field during a rolling deploy). Replayed by
// today's code it must still ignore it, which the gate sees to; without
// the gate it would wait for the SMS's delivery status where its history
// has the run's end. The history is a real one from before the change
// with the fallback written into its input, as such a run's would be.
func TestTheSendFallbackChangeWithoutGetVersionWouldBreakRunsInFlight(t *testing.T) {
	hist := withFallback(t, "v3-ans-sms-held-quiet-hours.json", "reminder")

	require.NoError(t, replayer(t, workflows.Register).ReplayWorkflowHistory(quietLogger, hist), "the gate keeps the old behaviour")
	ungated := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(workflows.FollowUpUngated, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})
	requireNondeterminism(t, ungated.ReplayWorkflowHistory(quietLogger, hist))
}

// withFallback reads a recorded history and gives its send_sms step
// stepID a fallback in the run's input.
func withFallback(t *testing.T, file, stepID string) *historypb.History {
	t.Helper()
	f, err := os.Open(filepath.Join(historiesDir, file))
	require.NoError(t, err)
	defer f.Close()
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	var opts client.Options
	codec.Apply(&opts, codectest.Keyring())
	started := hist.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	var in workflows.FollowUpInput
	require.NoError(t, opts.DataConverter.FromPayloads(started.GetInput(), &in))
	i := slices.IndexFunc(in.Entry.Steps, func(s entry.Step) bool { return s.ID == stepID })
	require.GreaterOrEqual(t, i, 0, "%s has no step %s", file, stepID)
	sms, ok := in.Entry.Steps[i].Spec.(*entry.SendSMS)
	require.True(t, ok)
	sms.Fallback = []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello")}}}
	payloads, err := opts.DataConverter.ToPayloads(in)
	require.NoError(t, err)
	started.Input = payloads
	return hist
}

// The corpus keeps runs from before the sms-reply change beside those
// recorded with it (v4-reply-*, every follow-up scenario), among them
// surveys answered by reply: a reply without a number clarified and a
// number answering, a clarified survey whose wait ended, and one sent as
// a link because another survey waited for a reply from the number.
func TestTheCorpusHoldsRunsFromBeforeAndAfterTheSMSReplyChange(t *testing.T) {
	kinds := map[bool][]string{}
	for _, file := range histories(t, "*.json") {
		marked := slices.Contains(changeVersions(t, file), "sms-reply-1")
		kinds[marked] = append(kinds[marked], filepath.Base(file))
	}
	require.NotEmpty(t, kinds[false], "no history from before the change")
	for _, file := range histories(t, "v4-reply-*.json") {
		require.Contains(t, kinds[true], filepath.Base(file))
	}
	for _, name := range []string{"sms-reply-answered", "sms-reply-timed-out", "sms-reply-sent-as-link", "survey-answered"} {
		require.Contains(t, kinds[true], "v4-reply-"+name+".json")
	}
}

// A run of a survey answered by reply that sent its clarifying SMS made
// commands no interpreter without the change makes: replayed as a run
// without the gate's marker would be, it is refused. So the change alters
// commands, and the gate (a marker at the run's start) is what keeps a
// run started by a worker without it on the link path when a worker with
// it takes it over, and the other way round.
func TestTheSMSReplyChangeAltersTheCommandsARunMakes(t *testing.T) {
	file := filepath.Join(historiesDir, "v4-reply-sms-reply-answered.json")
	before := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(workflows.FollowUpBeforeSMSReply, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})

	requireNondeterminism(t, before.ReplayWorkflowHistoryFromJSONFile(quietLogger, file))
	require.NoError(t, replayer(t, workflows.Register).ReplayWorkflowHistoryFromJSONFile(quietLogger, file))
	for _, old := range []string{"v4-steps-survey-answered.json", "v3-ans-sms-held-quiet-hours.json"} {
		require.NoError(t, before.ReplayWorkflowHistoryFromJSONFile(quietLogger, filepath.Join(historiesDir, old)),
			"a run from before the change replays as before it")
	}
}

// The lean-commands change leaves out a version marker per earlier change
// and the current step's upsert at every step a run passes within a
// workflow task. Runs from before it made those commands: replayed by the
// change without its gate, they fail; with it they replay as recorded.
func TestTheLeanCommandsChangeWithoutGetVersionWouldBreakRunsInFlight(t *testing.T) {
	requireTheGateKeepsRunsInFlight(t, workflows.FollowUpLeanUngated,
		"v4-steps-split.json", "v4-mail-survey-email-es-nps.json", "v2-enc-set-variable-and-if.json")
}

// requireTheGateKeepsRunsInFlight replays each recorded history against
// ungated, the interpreter with a change on for every run as if it had
// come without its gate, and requires it to fail; and against the
// worker's own registration, and requires it to replay as recorded.
func requireTheGateKeepsRunsInFlight(t *testing.T, ungated func(workflow.Context, workflows.FollowUpInput) (workflows.State, error), names ...string) {
	t.Helper()
	without := replayer(t, func(reg worker.WorkflowRegistry) {
		reg.RegisterWorkflowWithOptions(ungated, workflow.RegisterOptions{Name: workflows.FollowUpWorkflow})
	})
	gated := replayer(t, workflows.Register)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(historiesDir, name)
			requireNondeterminism(t, replayAsRecorded(without, file))
			require.NoError(t, replayAsRecorded(gated, file))
		})
	}
}

// Runs recorded since the lean-commands change (v4-perf-*) hold its marker
// and no other, and upsert the current step less often than the same
// scenario did before it; TestEveryRecordedHistoryReplays replays them
// beside the older ones.
func TestTheCorpusHoldsRunsFromAfterTheLeanCommandsChange(t *testing.T) {
	for _, file := range histories(t, "v4-perf-*.json") {
		require.Equal(t, []string{"lean-commands"}, changeIDs(t, filepath.Base(file)), file)
	}
	for before, after := range map[string]string{
		"v2-enc-set-variable-and-if.json": "v4-perf-set-variable-and-if.json",
		"v2-enc-survey-answered.json":     "v4-perf-survey-answered.json",
		"v4-steps-split.json":             "v4-perf-split.json",
	} {
		old, lean := stepUpserts(t, before), stepUpserts(t, after)
		require.Less(t, lean, old, "%s upserts the current step %d times, %s %d times", after, lean, before, old)
	}
}

// stepUpserts counts the upserts of the current step in a recorded history.
func stepUpserts(t *testing.T, file string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(historiesDir, file))
	require.NoError(t, err)
	defer f.Close()
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	n := 0
	for _, e := range hist.GetEvents() {
		if _, ok := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()[workflows.CurrentStepAttr.GetName()]; ok {
			n++
		}
	}
	return n
}

// Runs recorded once record-run-end and sms-reply rode on lean-commands
// (v5-*, every follow-up scenario) hold its version 3 and no other marker,
// and end by recording their end; TestEveryRecordedHistoryReplays replays
// them beside the generations each change was recorded with alone.
func TestTheCorpusHoldsRunsOfLeanCommandsVersion3(t *testing.T) {
	files := histories(t, "v5-*.json")
	require.NotEmpty(t, files)
	for _, file := range files {
		if strings.Contains(filepath.Base(file), "retention") || strings.Contains(filepath.Base(file), "webhook") {
			continue // not follow-ups
		}
		require.Equal(t, []string{"lean-commands-3"}, changeVersions(t, file), file)
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Contains(t, string(data), `"`+workflows.RecordRunEndActivity+`"`, file)
	}
}

// Durable steps (lean-commands version 4) leave out the current step's
// upsert while a run waits on an activity. Runs of version 3 made it:
// replayed by the change without raising the version, they fail; with it
// they replay as recorded.
func TestTheDurableStepsChangeWithoutItsVersionWouldBreakRunsInFlight(t *testing.T) {
	requireTheGateKeepsRunsInFlight(t, workflows.FollowUpDurableStepsUngated,
		"v5-set-variable-and-if.json", "v5-survey-answered.json", "v5-wait-then-email.json")
}

// Runs recorded with durable steps (v6-*, every follow-up scenario) hold
// lean-commands version 4 and no other marker, and upsert the current
// step less often than the same scenario of version 3: a run of sends
// alone not at all. TestEveryRecordedHistoryReplays replays them beside
// every older generation.
func TestTheCorpusHoldsRunsOfLeanCommandsVersion4(t *testing.T) {
	for _, file := range histories(t, "v6-*.json") {
		require.Equal(t, []string{"lean-commands-4"}, changeVersions(t, file), file)
	}
	for _, name := range []string{"set-variable-and-if", "survey-answered", "wait-then-email", "http-request-through-connection"} {
		v5, v6 := stepUpserts(t, "v5-"+name+".json"), stepUpserts(t, "v6-"+name+".json")
		require.Less(t, v6, v5, "v6-%s upserts the current step %d times, v5 %d times", name, v6, v5)
	}
	require.Zero(t, stepUpserts(t, "v6-set-variable-and-if.json"), "a run of sends alone waits at no step")
}
