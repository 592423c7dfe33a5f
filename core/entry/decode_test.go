package entry_test

import (
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
			{ID: "survey", Type: entry.StepSendSurvey, Channel: "email", Question: "How did we do?",
				Subject: "Your call", Text: "Rate us: $(survey.url)", Wait: "1d"},
			{Type: entry.StepIf, Condition: "survey.score <= 2", Then: []entry.Step{
				{Type: entry.StepSendEmail, Subject: "Sorry", Text: "Hi $(customer.first_name)",
					OnError: []entry.Step{{Type: entry.StepSendSMS, Text: "We tried to email you"}}},
			}},
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
			{Type: entry.StepWait, Duration: "30m"},
			{Type: entry.StepSendSMS, Text: "Sorry, $(customer.first_name): $$5 off with code $(code)"},
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
