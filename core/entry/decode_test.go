package entry_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

const specExample = `{
  "id": "post-call-survey",
  "name": "Post-call survey",
  "service": "Billing Support",
  "enabled": true,
  "triggers": [
    {"type": "disposition", "disposition": "Problem solved"},
    {"type": "case_disposition", "disposition": "Need more information"},
    {"type": "average_sentiment", "operator": ">", "threshold": 0.51}
  ],
  "steps": [
    {"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?",
     "subject": "Your call", "text": "Rate us: $(survey.url)", "wait": "1d"},
    {"type": "if", "condition": "survey.score <= 2",
     "then": [{"type": "send_email", "subject": "Sorry", "text": "Hi $(customer.first_name)",
               "on_error": [{"type": "send_sms", "text": "We tried to email you"}]}]}
  ]
}`

func TestDecodeSPECExample(t *testing.T) {
	e, err := entry.Decode([]byte(specExample))

	require.NoError(t, err)
	require.Equal(t, entry.Entry{
		ID: "post-call-survey", Name: "Post-call survey", Service: "Billing Support", Enabled: true,
		Triggers: []entry.Trigger{
			{Type: entry.TriggerDisposition, Disposition: "Problem solved"},
			{Type: entry.TriggerCaseDisposition, Disposition: "Need more information"},
			{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: ptr(0.51)},
		},
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do?"),
				Subject: entry.Plain("Your call"), Text: entry.Plain("Rate us: $(survey.url)"), Wait: "1d"}},
			{Spec: &entry.If{Condition: "survey.score <= 2", Then: []entry.Step{
				{Spec: &entry.SendEmail{Subject: entry.Plain("Sorry"), Text: entry.Plain("Hi $(customer.first_name)")},
					OnError: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("We tried to email you")}}}},
			}}},
		},
	}, e)
	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
}

func TestDecodeEnabled(t *testing.T) {
	tests := []struct {
		name string
		json string
		want bool
	}{
		{"absent means enabled", `{"name": "x"}`, true},
		{"null means enabled", `{"name": "x", "enabled": null}`, true},
		{"false disables", `{"name": "x", "enabled": false}`, false},
		{"true enables", `{"name": "x", "enabled": true}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := entry.Decode([]byte(tt.json))
			require.NoError(t, err)
			require.Equal(t, tt.want, e.Enabled)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		path    string
		message string
	}{
		{"unknown top-level field", `{"name": "x", "colour": "red"}`,
			"colour", "unknown field"},
		{"field names are case-sensitive", `{"Name": "x"}`,
			"Name", "unknown field"},
		{"unknown trigger field", `{"triggers": [{"type": "disposition", "value": "x"}]}`,
			"triggers[0].value", "unknown field"},
		{"unknown field in a nested step", `{"steps": [{"type": "wait"}, {"type": "if", "then": [{"type": "wait", "durration": "1d"}]}]}`,
			"steps[1].then[0].durration", "unknown field"},
		{"unknown field in on_error", `{"steps": [{"type": "send_sms", "on_error": [{"type": "wait", "x": 1}]}]}`,
			"steps[0].on_error[0].x", "unknown field"},
		{"string given a number", `{"steps": [{"type": "wait", "duration": 3}]}`,
			"steps[0].duration", "must be a string, not number"},
		{"number given a string", `{"triggers": [{"type": "average_sentiment", "operator": ">", "threshold": "0.5"}]}`,
			"triggers[0].threshold", "must be a number, not string"},
		{"bool given a string", `{"enabled": "yes"}`,
			"enabled", "must be true or false, not string"},
		{"list given an object", `{"steps": {"type": "wait"}}`,
			"steps", "must be a list, not object"},
		{"step given a string", `{"steps": ["wait"]}`,
			"steps[0]", "must be an object, not string"},
		{"headers given a list", `{"steps": [{"type": "http_request", "headers": ["a"]}]}`,
			"steps[0].headers", "must be an object of strings"},
		{"updated_at not a time", `{"updated_at": "yesterday"}`,
			"updated_at", "must be an RFC 3339 time"},
		{"not an object", `[]`,
			"", "must be an object, not array"},
		{"not JSON", `{"name": `,
			"", "not valid JSON"},
		{"trailing data", `{"name": "x"} {}`,
			"", "not valid JSON"},
		{"a field given twice", `{"name": "x", "service": "a", "name": "y"}`,
			"name", "is given twice"},
		{"a step's field given twice", `{"steps": [{"type": "wait", "duration": "1d", "duration": "1w"}]}`,
			"steps[0].duration", "is given twice"},
		{"a header given twice", `{"steps": [{"type": "http_request", "headers": {"X-A": "1", "X-A": "2"}}]}`,
			"steps[0].headers.X-A", "is given twice"},
		{"text that is not UTF-8", "{\"name\": \"x\xff\"}",
			"name", "is not valid UTF-8 text"},
		{"an unpaired surrogate", `{"steps": [{"type": "send_sms", "text": "hi \ud800"}]}`,
			"steps[0].text", "holds an unpaired UTF-16 surrogate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := entry.Decode([]byte(tt.json))

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	_, err := entry.Decode([]byte(`{"b": 1, "a": 2, "steps": [{"type": 1}, {"x": 1}]}`))

	var errs validation.Errors
	require.ErrorAs(t, err, &errs)
	paths := []string{}
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	require.Equal(t, []string{"a", "b", "steps[0].type", "steps[1].x"}, paths)
}

func TestDecodeYAML(t *testing.T) {
	e, err := entry.DecodeYAML([]byte(`
name: Post-call survey
triggers:
  - type: average_sentiment
    operator: "<"
    threshold: -0.2
steps:
  - type: wait
    duration: 30m
  - type: send_sms
    text: "Sorry, $(customer.first_name): $$5 off with code $(code)"
`))

	require.NoError(t, err)
	require.Equal(t, entry.Entry{
		Name: "Post-call survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerAverageSentiment, Operator: "<", Threshold: ptr(-0.2)}},
		Steps: []entry.Step{
			{Spec: &entry.Wait{Duration: "30m"}},
			{Spec: &entry.SendSMS{Text: entry.Plain("Sorry, $(customer.first_name): $$5 off with code $(code)")}},
		},
	}, e)
}

func TestDecodeYAMLRejects(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		path    string
		message string
	}{
		{"unknown field", "name: x\nsteps:\n  - type: wait\n    duraton: 1d\n", "steps[0].duraton", "unknown field"},
		{"wrong type", "name: x\nenabled: sometimes\n", "enabled", "must be true or false"},
		{"not YAML", "name: [x\n", "", "not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := entry.DecodeYAML([]byte(tt.yaml))

			fe := validation.First(err)
			require.NotNil(t, fe, "error %v", err)
			require.Equal(t, tt.path, fe.Path)
			require.Contains(t, fe.Message, tt.message)
		})
	}
}

// stepIn returns the step object at the path of steps lists and indexes
// keys in the JSON document doc, such as "steps", 1, "then", 0.
func stepIn(doc map[string]any, keys ...any) map[string]any {
	var v any = doc
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

// decodeChanged decodes e as JSON after change has edited the JSON: a
// field a step's type does not have exists only there.
func decodeChanged(t *testing.T, e entry.Entry, change func(doc map[string]any)) error {
	t.Helper()
	data, err := json.Marshal(e)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	change(doc)
	data, err = json.Marshal(doc)
	require.NoError(t, err)
	_, err = entry.Decode(data)
	return err
}

// A step holds the fields of its type only: those of other types are
// refused when the entry is read, with the words Validate used for them
// when a step was one flat struct.
func TestDecodeRejectsFieldsOfOtherStepTypes(t *testing.T) {
	tests := []struct {
		name    string
		entry   entry.Entry
		change  func(doc map[string]any)
		path    string
		message string
	}{
		{"field of another step type", valid(), func(d map[string]any) { stepIn(d, "steps", 1, "then", 0)["duration"] = "1d" },
			"steps[1].then[0].duration", "not a field of send_email steps"},
		{"nested steps of another step type", valid(), func(d map[string]any) {
			stepIn(d, "steps", 2)["then"] = []any{map[string]any{"type": "wait", "duration": "1m"}}
		}, "steps[2].then", "not a field of send_sms steps"},
		{"no fields of other step types", withRequest(request(entry.HTTPRequest{URL: "https://api.example.com"})),
			func(d map[string]any) { stepIn(d, "steps", 2)["text"] = "hi" },
			"steps[2].text", "not a field of http_request steps"},
		{"schedule_event takes no duration", withEvents(), func(d map[string]any) { stepIn(d, "steps", 4)["duration"] = "1d" },
			"steps[4].duration", "not a field of schedule_event steps"},
		{"clear_event takes no steps", withEvents(), func(d map[string]any) {
			stepIn(d, "steps", 5)["steps"] = []any{map[string]any{"type": "wait", "duration": "1m"}}
		}, "steps[5].steps", "not a field of clear_event steps"},
		{"a field of another type is still type-checked", valid(), func(d map[string]any) { stepIn(d, "steps", 2)["duration"] = 3 },
			"steps[2].duration", "must be a string, not number"},
		{"the steps in a field of another type are read too", valid(), func(d map[string]any) {
			stepIn(d, "steps", 2)["then"] = []any{map[string]any{"type": "wait", "durration": "1m"}}
		}, "steps[2].then[0].durration", "unknown field"},
		{"a field no step type has", valid(), func(d map[string]any) { stepIn(d, "steps", 2)["colour"] = "red" },
			"steps[2].colour", "unknown field"},
		{"a field no step type has, in a step of an unknown type", valid(), func(d map[string]any) {
			stepIn(d, "steps", 2)["type"] = "fax"
			stepIn(d, "steps", 2)["pages"] = 3
		}, "steps[2].pages", "unknown field"},
		{"a field of some step type, in a step of an unknown type, is type-checked", valid(), func(d map[string]any) {
			stepIn(d, "steps", 2)["type"] = "fax"
			stepIn(d, "steps", 2)["duration"] = 3
		}, "steps[2].duration", "must be a string, not number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decodeChanged(t, tt.entry, tt.change)

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

// A form or a hand-written file may leave fields of other types empty;
// as before, they say nothing and are dropped.
func TestDecodeIgnoresEmptyFieldsOfOtherStepTypes(t *testing.T) {
	e, err := entry.Decode([]byte(`{"steps": [{"type": "wait", "duration": "1d", "text": "", "then": [], "headers": {}, "else": null}]}`))

	require.NoError(t, err)
	require.Equal(t, []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}, e.Steps)
}

// A step whose type is missing or unknown keeps the fields it has, so that
// Validate reports its type, as it did before.
func TestDecodeKeepsStepsOfUnknownTypesForValidate(t *testing.T) {
	e, err := entry.Decode([]byte(`{"steps": [{"type": "fax", "text": "x"}, {"duration": "1d"}, {"id": "a"}]}`))

	require.NoError(t, err)
	require.Equal(t, []entry.Step{
		{Spec: &entry.UnknownStep{Type: "fax", Fields: map[string]json.RawMessage{"text": []byte(`"x"`)}}},
		{Spec: &entry.UnknownStep{Fields: map[string]json.RawMessage{"duration": []byte(`"1d"`)}}},
		{ID: "a"},
	}, e.Steps)
	v := valid()
	v.Steps[2] = e.Steps[0]
	validationtest.RequireOne(t, entry.Validate(v, entry.DefaultCatalog()), "steps[2].type", `"fax" is not a step type`)
}
