package entry_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

// scenarioEntry is an entry with one step of each of the scenario step
// types: wait_until, wait_for_event, split, and an SMS with a fallback.
func scenarioEntry() entry.Entry {
	e := valid()
	e.Steps = []entry.Step{
		{ID: "callback", Spec: &entry.WaitUntil{Time: "10:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}, AtLeast: "12h"}},
		{ID: "closed", Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "5d"}},
		{ID: "length", Spec: &entry.Split{Branches: []entry.Branch{
			{ID: "short", Weight: 50, Steps: []entry.Step{{ID: "short-sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us 1-5"),
				Fallback: []entry.Step{{ID: "short-email", Spec: &entry.SendEmail{Subject: entry.Plain("Rate us"), Text: entry.Plain("1-5?")}}}, FallbackAfter: "30m"}}}},
			{ID: "long", Weight: 30, Steps: []entry.Step{{ID: "long-sms", Spec: &entry.SendSMS{Text: entry.Plain("Tell us more")}}}},
			{ID: "none", Weight: 20},
		}}},
	}
	return e
}

func untilStep(e *entry.Entry) *entry.WaitUntil    { return spec[*entry.WaitUntil](e.Steps[0]) }
func eventStep(e *entry.Entry) *entry.WaitForEvent { return spec[*entry.WaitForEvent](e.Steps[1]) }
func splitStep(e *entry.Entry) *entry.Split        { return spec[*entry.Split](e.Steps[2]) }
func fallbackSMS(e *entry.Entry) *entry.SendSMS {
	return spec[*entry.SendSMS](splitStep(e).Branches[0].Steps[0])
}

func TestValidateAcceptsTheScenarioSteps(t *testing.T) {
	e := scenarioEntry()
	pct := 20
	e.SamplePercent = &pct
	e.Steps = append(e.Steps, entry.Step{Spec: &entry.If{
		Condition: "case_closed.received && case_closed.resolution == 'fixed' && split.length == 'short' && message.fallback != ''",
		Then:      []entry.Step{{Spec: &entry.WaitUntil{Time: "23:59", AtLeast: "0s"}}}}})

	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
}

func TestValidateRejectsBadScenarioSteps(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*entry.Entry)
		path    string
		message string
	}{
		// wait_until
		{"time required", func(e *entry.Entry) { untilStep(e).Time = "" }, "steps[0].time", "is required (a time of day such as 10:00)"},
		{"time 25:00", func(e *entry.Entry) { untilStep(e).Time = "25:00" }, "steps[0].time", `"25:00" is not a time of day (use HH:MM, e.g. 08:00)`},
		{"time 10am", func(e *entry.Entry) { untilStep(e).Time = "10am" }, "steps[0].time", "is not a time of day"},
		{"an unknown day", func(e *entry.Entry) { untilStep(e).Days[2] = "weds" },
			"steps[0].days[2]", `"weds" is not a day (use mon, tue, wed, thu, fri, sat, sun)`},
		{"a day on two lines", func(e *entry.Entry) { untilStep(e).Days[0] = "mon\ntue" }, "steps[0].days[0]", "control character"},
		{"at_least parses", func(e *entry.Entry) { untilStep(e).AtLeast = "a day" }, "steps[0].at_least", "is not a duration"},
		{"at_least at most a year", func(e *entry.Entry) { untilStep(e).AtLeast = "400d" }, "steps[0].at_least", "longer than 365 days"},
		// wait_for_event
		{"event name required", func(e *entry.Entry) { eventStep(e).Name = "" }, "steps[1].name", "is required"},
		{"event name a simple name", func(e *entry.Entry) { eventStep(e).Name = "case-closed" },
			"steps[1].name", `"case-closed" is not an event name: 1 to 64 letters, digits or '_', starting with a letter`},
		{"event name not dotted", func(e *entry.Entry) { eventStep(e).Name = "case.closed" }, "steps[1].name", "is not an event name"},
		{"event name not a root ccflow sets", func(e *entry.Entry) { eventStep(e).Name = "survey" }, "steps[1].name", "is not an event name"},
		{"event name not split's root", func(e *entry.Entry) { eventStep(e).Name = "split" }, "steps[1].name", "none of interaction"},
		{"event name at most 64 characters", func(e *entry.Entry) { eventStep(e).Name = strings.Repeat("e", 65) }, "steps[1].name", "is not an event name"},
		{"timeout required", func(e *entry.Entry) { eventStep(e).Timeout = "" }, "steps[1].timeout", "is required"},
		{"timeout a duration", func(e *entry.Entry) { eventStep(e).Timeout = "5 days" }, "steps[1].timeout", "is not a duration"},
		// split
		{"a split needs an id", func(e *entry.Entry) { e.Steps[2].ID = "" }, "steps[2].id", "is required for a split"},
		{"branches required", func(e *entry.Entry) { splitStep(e).Branches = nil }, "steps[2].branches", "at least two branches are required"},
		{"a split with one branch", func(e *entry.Entry) { splitStep(e).Branches = splitStep(e).Branches[:1] },
			"steps[2].branches", "a split needs at least two branches; it has 1"},
		{"weights summing to 90", func(e *entry.Entry) { splitStep(e).Branches[2].Weight = 10 },
			"steps[2].branches", "the weights sum to 90; they must sum to 100"},
		{"a zero weight", func(e *entry.Entry) {
			splitStep(e).Branches[1].Weight, splitStep(e).Branches[2].Weight = 50, 0
		}, "steps[2].branches[2].weight", "0 is not a weight: a whole percentage from 1 to 99"},
		{"a negative weight", func(e *entry.Entry) {
			splitStep(e).Branches[1].Weight, splitStep(e).Branches[2].Weight = 60, -10
		}, "steps[2].branches[2].weight", "-10 is not a weight"},
		{"branch id required", func(e *entry.Entry) { splitStep(e).Branches[1].ID = "" }, "steps[2].branches[1].id", "is required"},
		{"branch id characters", func(e *entry.Entry) { splitStep(e).Branches[1].ID = "long one" },
			"steps[2].branches[1].id", `"long one" must be 1 to 64 letters, digits, '_' or '-'`},
		{"branch ids unique", func(e *entry.Entry) { splitStep(e).Branches[1].ID = "short" },
			"steps[2].branches[1].id", `"short" is already the id of branch 1`},
		{"a branch's steps are validated", func(e *entry.Entry) { splitStep(e).Branches[1].Steps[0].Spec = &entry.SendSMS{} },
			"steps[2].branches[1].steps[0].text", "is required"},
		{"step ids unique inside branches too", func(e *entry.Entry) { splitStep(e).Branches[1].Steps[0].ID = "callback" },
			"steps[2].branches[1].steps[0].id", `"callback" is already the id of steps[0]`},
		// fallback
		{"fallback_after a duration", func(e *entry.Entry) { fallbackSMS(e).FallbackAfter = "soon" },
			"steps[2].branches[0].steps[0].fallback_after", `"soon" is not a duration`},
		{"fallback_after only with fallback", func(e *entry.Entry) { fallbackSMS(e).Fallback = nil },
			"steps[2].branches[0].steps[0].fallback_after", "only a step with fallback waits for the delivery status"},
		{"fallback steps are validated", func(e *entry.Entry) { fallbackSMS(e).Fallback[0].Spec = &entry.SendEmail{Text: entry.Plain("x")} },
			"steps[2].branches[0].steps[0].fallback[0].subject", "is required"},
		// sample_percent
		{"sample_percent 0", func(e *entry.Entry) { e.SamplePercent = new(int) }, "sample_percent", "0 is not a percentage from 1 to 100"},
		{"sample_percent 101", func(e *entry.Entry) { n := 101; e.SamplePercent = &n }, "sample_percent", "101 is not a percentage from 1 to 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := scenarioEntry()
			tt.change(&e)

			err := entry.Validate(e, entry.DefaultCatalog())

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestDecodeRejectsBadScenarioFields(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		path    string
		message string
	}{
		{"days not a list", `{"steps": [{"type": "wait_until", "time": "10:00", "days": "mon"}]}`, "steps[0].days", "must be a list of strings"},
		{"branches not a list", `{"steps": [{"type": "split", "branches": {"a": 50}}]}`, "steps[0].branches", "must be a list, not object"},
		{"a branch not an object", `{"steps": [{"type": "split", "branches": ["a"]}]}`, "steps[0].branches[0]", "must be an object with id, weight and steps"},
		{"a weight not a whole number", `{"steps": [{"type": "split", "branches": [{"id": "a", "weight": 50.5}]}]}`,
			"steps[0].branches[0].weight", "must be a whole number"},
		{"an unknown field of a branch", `{"steps": [{"type": "split", "branches": [{"id": "a", "weight": 50, "share": 1}]}]}`,
			"steps[0].branches[0].share", "unknown field"},
		{"an unknown field inside a branch's steps", `{"steps": [{"type": "split", "branches": [{"id": "a", "weight": 50, "steps": [{"type": "wait", "durration": "1d"}]}]}]}`,
			"steps[0].branches[0].steps[0].durration", "unknown field"},
		{"email has no fallback_after", `{"steps": [{"type": "send_email", "subject": "Hi", "text": "x", "fallback_after": "10m"}]}`,
			"steps[0].fallback_after", "not a field of send_email steps"},
		{"sample_percent a fraction", `{"sample_percent": 12.5}`, "sample_percent", "must be a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := entry.Decode([]byte(tt.json))

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

// Stored entries and histories are read leniently: a branch's unknown
// field is dropped, as a step's is.
func TestStepUnmarshalReadsBranchesLeniently(t *testing.T) {
	var s entry.Step
	require.NoError(t, s.UnmarshalJSON([]byte(`{"id": "ab", "type": "split", "branches": [{"id": "a", "weight": 60, "colour": "red",
		"steps": [{"type": "wait", "duration": "1d", "x": 1}]}, {"id": "b", "weight": 40}]}`)))

	require.Equal(t, entry.Step{ID: "ab", Spec: &entry.Split{Branches: []entry.Branch{
		{ID: "a", Weight: 60, Steps: []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}}, {ID: "b", Weight: 40}}}}, s)
}

func TestNormalizeTrimsDaysAndBranchIDs(t *testing.T) {
	e, err := entry.Decode([]byte(`{"name": "x", "steps": [
		{"type": "wait_until", "time": " 10:00 ", "days": [" Mon", "FRI "]},
		{"id": "ab", "type": "split", "branches": [{"id": " a ", "weight": 50, "steps": [{"type": "wait", "duration": " 1d "}]}, {"id": "b", "weight": 50}]}]}`))
	require.NoError(t, err)

	entry.Normalize(&e)

	require.Equal(t, &entry.WaitUntil{Time: "10:00", Days: []string{"mon", "fri"}}, e.Steps[0].Spec)
	require.Equal(t, &entry.Split{Branches: []entry.Branch{{ID: "a", Weight: 50, Steps: []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}},
		{ID: "b", Weight: 50}}}, e.Steps[1].Spec)
}

func TestBranchFieldsDescribeABranchForForms(t *testing.T) {
	fields := entry.BranchFields()

	require.Equal(t, []string{"id", "weight", "steps"}, []string{fields[0].Name, fields[1].Name, fields[2].Name})
	require.Equal(t, "step_id", fields[0].Kind)
	require.Equal(t, "weight", fields[1].Kind)
	require.Equal(t, "steps", fields[2].Kind)
	for _, f := range fields {
		require.NotEmpty(t, f.Label, f.Name)
		require.NotEmpty(t, f.Help, f.Name)
	}
}

// Over 10,000 workflow IDs, each branch takes its weight's share of runs
// within 2 points, for weights even and uneven.
func TestChooseBranchSharesFollowTheWeights(t *testing.T) {
	for _, weights := range [][]int{{50, 50}, {10, 90}, {20, 30, 50}, {1, 98, 1}, {25, 25, 25, 25}} {
		t.Run(fmt.Sprint(weights), func(t *testing.T) {
			split := &entry.Split{}
			for i, w := range weights {
				split.Branches = append(split.Branches, entry.Branch{ID: fmt.Sprintf("b%d", i), Weight: w})
			}
			const runs = 10000
			counts := make([]int, len(weights))
			for i := range runs {
				counts[entry.ChooseBranch(split, "ab-test", fmt.Sprintf("post-call-survey/INT-%d", i))]++
			}
			for i, w := range weights {
				share := 100 * float64(counts[i]) / runs
				require.LessOrEqual(t, math.Abs(share-float64(w)), 2.0, "branch %d: weight %d, share %.2f", i, w, share)
			}
		})
	}
}

// The same run always takes the same branch; two splits choose on their
// own (the step id is in the hash): of the runs that take a at one, each
// split's share at the other still follows its weights.
func TestChooseBranchIsStableAndSplitsAreIndependent(t *testing.T) {
	split := &entry.Split{Branches: []entry.Branch{{ID: "a", Weight: 50}, {ID: "b", Weight: 50}}}
	require.Equal(t, entry.ChooseBranch(split, "s", "e/INT-1"), entry.ChooseBranch(split, "s", "e/INT-1"))
	both, first := 0, 0
	for i := range 10000 {
		id := fmt.Sprintf("e/INT-%d", i)
		if entry.ChooseBranch(split, "first", id) == 0 {
			first++
			if entry.ChooseBranch(split, "second", id) == 0 {
				both++
			}
		}
	}
	require.InDelta(t, 0.5, float64(both)/float64(first), 0.03, "the second split is independent of the first")
}

func TestVariant(t *testing.T) {
	const id = "post-call-survey/INT-1001"
	e := scenarioEntry()
	split := splitStep(&e)
	chosen := split.Branches[entry.ChooseBranch(split, "length", id)].ID

	require.Equal(t, chosen, entry.Variant(e, id), "one split: the branch's id")
	require.Empty(t, entry.Variant(valid(), id), "no split: no variant")

	// A second split, inside an if: named with the first, in entry order.
	second := &entry.Split{Branches: []entry.Branch{{ID: "sms", Weight: 50}, {ID: "email", Weight: 50}}}
	e.Steps = append(e.Steps, entry.Step{Spec: &entry.If{Condition: "true", Then: []entry.Step{{ID: "channel", Spec: second}}}})
	require.Equal(t, "length="+chosen+",channel="+second.Branches[entry.ChooseBranch(second, "channel", id)].ID, entry.Variant(e, id))

	// A split inside a branch the run does not take is left out.
	inner := &entry.Split{Branches: []entry.Branch{{ID: "x", Weight: 50}, {ID: "y", Weight: 50}}}
	for i := range split.Branches {
		if split.Branches[i].ID != chosen {
			split.Branches[i].Steps = []entry.Step{{ID: "inner", Spec: inner}}
		}
	}
	require.NotContains(t, entry.Variant(e, id), "inner=")
}

func TestSampledKeepsACustomerInOrOutAndFollowsThePercentage(t *testing.T) {
	e := valid()
	require.True(t, entry.Sampled(e, "C-1", "INT-1"), "no sample_percent: every match starts")
	pct := 20
	e.SamplePercent = &pct
	in := 0
	for i := range 10000 {
		customer := fmt.Sprintf("C-%d", i)
		got := entry.Sampled(e, customer, "INT-a")
		require.Equal(t, got, entry.Sampled(e, customer, "INT-b"), "the same customer on another interaction")
		if got {
			in++
			wider := 50
			w := e
			w.SamplePercent = &wider
			require.True(t, entry.Sampled(w, customer, "INT-a"), "a larger sample keeps everyone a smaller one took")
		}
	}
	require.InDelta(t, 2000, in, 200)
	other := e
	other.ID = "another-entry"
	overlap := 0
	for i := range 10000 {
		customer := fmt.Sprintf("C-%d", i)
		if entry.Sampled(e, customer, "") && entry.Sampled(other, customer, "") {
			overlap++
		}
	}
	require.InDelta(t, 400, overlap, 120, "two entries sample on their own")
	require.Equal(t, entry.Sampled(e, "", "INT-7"), entry.Sampled(e, "", "INT-7"), "without a customer, by the interaction")
}
