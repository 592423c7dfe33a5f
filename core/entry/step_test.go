package entry_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// everyStepType holds one step of each type with every field set.
var everyStepType = []entry.Step{
	{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do?"), To: "$(manager_email)",
		Subject: entry.Plain("Your call"), Text: entry.Plain("Rate us: $(survey.url)"), HTML: entry.Plain(`<a href="$(survey.url)">Rate us</a>`), Wait: "1d"}},
	{ID: "pause", Spec: &entry.Wait{Duration: "1w"}},
	{ID: "email", Spec: &entry.SendEmail{To: "ops@example.com", Subject: entry.Plain("Hi"), Text: entry.Plain("Hello\n"), HTML: entry.Plain("<p>Hello</p>")}},
	{ID: "sms", Spec: &entry.SendSMS{To: "+15550000000", Text: entry.Plain("Thanks")}},
	{ID: "tier", Spec: &entry.SetVariable{Name: "tier", Value: "gold"}},
	{ID: "later", Spec: &entry.ScheduleEvent{Name: "follow-up", After: "1w", At: "2026-11-30",
		Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("Still good?")}}}}},
	{ID: "clear", Spec: &entry.ClearEvent{Name: "follow-up"}},
	{ID: "crm", Spec: &entry.HTTPRequest{Method: "POST", URL: "https://api.example.com", Connection: "crm", Path: "/x",
		Headers: map[string]string{"X-B": "2", "X-A": "1"}, Body: `{"a": 1}`, Timeout: "30s", SaveAs: "reply"}},
	{ID: "check", Spec: &entry.If{Condition: "tier == 'gold'",
		Then: []entry.Step{{Spec: &entry.Wait{Duration: "1m"}}}, Else: []entry.Step{{Spec: &entry.Wait{Duration: "2m"}}}},
		OnError: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("$(error.message)")}}}},
	{ID: "callback", Spec: &entry.WaitUntil{Time: "10:00", Days: []string{"mon", "fri"}, AtLeast: "12h"}},
	{ID: "closed", Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "5d"}},
	{ID: "ab", Spec: &entry.Split{Branches: []entry.Branch{
		{ID: "a", Weight: 50, Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("Short"),
			Fallback:      []entry.Step{{Spec: &entry.SendEmail{Subject: entry.Plain("S"), Text: entry.Plain("Short")}}},
			FallbackAfter: "30m"}}}},
		{ID: "b", Weight: 50}}}},
}

func TestStepJSONKeepsItsKeysInOrder(t *testing.T) {
	tests := []struct {
		step entry.Step
		want string
	}{
		{everyStepType[0], `{"id":"survey","type":"send_survey","channel":"email","question":"How did we do?","to":"$(manager_email)",` +
			`"subject":"Your call","text":"Rate us: $(survey.url)","html":"<a href=\"$(survey.url)\">Rate us</a>","wait":"1d"}`},
		{everyStepType[7], `{"id":"crm","type":"http_request","method":"POST","url":"https://api.example.com","connection":"crm",` +
			`"path":"/x","headers":{"X-A":"1","X-B":"2"},"body":"{\"a\": 1}","timeout":"30s","save_as":"reply"}`},
		{everyStepType[8], `{"id":"check","type":"if","condition":"tier == 'gold'","then":[{"type":"wait","duration":"1m"}],` +
			`"else":[{"type":"wait","duration":"2m"}],"on_error":[{"type":"send_sms","text":"$(error.message)"}]}`},
		{entry.Step{Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello")}}, `{"type":"send_email","subject":"Hi","text":"Hello"}`},
		{everyStepType[9], `{"id":"callback","type":"wait_until","time":"10:00","days":["mon","fri"],"at_least":"12h"}`},
		{everyStepType[10], `{"id":"closed","type":"wait_for_event","name":"case_closed","timeout":"5d"}`},
		{everyStepType[11], `{"id":"ab","type":"split","branches":[{"id":"a","weight":50,"steps":[{"type":"send_sms","text":"Short",` +
			`"fallback":[{"type":"send_email","subject":"S","text":"Short"}],"fallback_after":"30m"}]},{"id":"b","weight":50}]}`},
		{entry.Step{ID: "x"}, `{"id":"x","type":""}`},
		{entry.Step{Spec: &entry.UnknownStep{Type: "fax", Fields: map[string]json.RawMessage{"to": []byte(`"+1"`), "pages": []byte(`3`)}}},
			`{"type":"fax","pages":3,"to":"+1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.step.Type(), func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)

			require.NoError(t, enc.Encode(tt.step))

			require.Equal(t, tt.want+"\n", buf.String())
		})
	}
}

// json.Marshal escapes <, > and & in a step as it does elsewhere, and as
// it did when steps were plain structs.
func TestStepJSONEscapesHTMLWhenAsked(t *testing.T) {
	data, err := json.Marshal(entry.Step{Spec: &entry.SendSMS{Text: entry.Plain("<b>&</b>")}})

	require.NoError(t, err)
	require.Equal(t, `{"type":"send_sms","text":"\u003cb\u003e\u0026\u003c/b\u003e"}`, string(data))
}

func TestStepJSONRoundTrips(t *testing.T) {
	data, err := json.Marshal(everyStepType)
	require.NoError(t, err)

	var back []entry.Step
	require.NoError(t, json.Unmarshal(data, &back))

	require.Equal(t, everyStepType, back)
}

// filled returns a step of type typ with every field set, whatever the
// type, so that the tests below cover types added later without a change.
func filled(t *testing.T, typ string) entry.Step {
	spec, ok := entry.NewSpec(typ)
	require.True(t, ok, typ)
	v := reflect.ValueOf(spec).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Type() == reflect.TypeFor[entry.Text]() {
			// Texts alternate between the two forms, so both round-trip.
			text := fmt.Sprintf("%s <%d> & more", v.Type().Field(i).Name, i)
			if i%2 == 0 {
				f.Set(reflect.ValueOf(entry.Plain(text)))
			} else {
				f.Set(reflect.ValueOf(entry.Translated(map[string]string{"en": text, "ja": text + " (ja)"})))
			}
			continue
		}
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(fmt.Sprintf("%s <%d> & more", v.Type().Field(i).Name, i))
		case reflect.Slice:
			switch f.Type() {
			case reflect.TypeFor[[]string]():
				f.Set(reflect.ValueOf([]string{"mon", fmt.Sprintf("<%d> & more", i)}))
			case reflect.TypeFor[[]entry.Branch]():
				f.Set(reflect.ValueOf([]entry.Branch{
					{ID: "a", Weight: 30, Steps: []entry.Step{{ID: fmt.Sprintf("nested-%d", i), Spec: &entry.Wait{Duration: "1m"}}}},
					{ID: "b", Weight: 70}}))
			default:
				f.Set(reflect.ValueOf([]entry.Step{{ID: fmt.Sprintf("nested-%d", i), Spec: &entry.Wait{Duration: "1m"}}}))
			}
		case reflect.Map:
			f.Set(reflect.ValueOf(map[string]string{"X-B": "2", "X-A": "1"}))
		default:
			t.Fatalf("%s.%s: fill a %s too", typ, v.Type().Field(i).Name, f.Kind())
		}
	}
	return entry.Step{ID: "s-" + typ, Spec: spec, OnError: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("failed")}}}}
}

func TestStepJSONOfEveryTypeRoundTripsInFieldOrder(t *testing.T) {
	for _, st := range entry.StepTypes() {
		t.Run(st.Type, func(t *testing.T) {
			step := filled(t, st.Type)

			data, err := json.Marshal(step)
			require.NoError(t, err)
			var back entry.Step
			require.NoError(t, json.Unmarshal(data, &back))
			decoded, err := entry.Decode([]byte(`{"steps": [` + string(data) + `]}`))
			require.NoError(t, err, "Decode reads what Marshal writes")

			require.Equal(t, step, back)
			require.Equal(t, step, decoded.Steps[0])
			want := []string{"id", "type"}
			for _, f := range st.Fields {
				want = append(want, f.Name)
			}
			require.Equal(t, append(want, "on_error"), objectKeys(t, data))
		})
	}
}

// objectKeys lists the keys of the JSON object data in their order.
func objectKeys(t *testing.T, data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return keys
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 && dec.More() {
				keys = append(keys, tok)
				// Skip the value.
				var v json.RawMessage
				require.NoError(t, dec.Decode(&v))
			}
		}
	}
}

// Workflow histories and stored versions hold steps as the flat struct of
// earlier versions wrote them: on_error before the fields, and sometimes
// fields of other types left empty by hand-built entries.
func TestStepUnmarshalReadsStepsAsEarlierVersionsWroteThem(t *testing.T) {
	var steps []entry.Step
	err := json.Unmarshal([]byte(`[
		{"id":"a","type":"send_email","on_error":[{"type":"send_sms","text":"failed"}],"subject":"Hi","text":"Hello"},
		{"type":"wait","duration":"1d","text":"ignored","colour":"red"},
		{"type":"fax","pages":3},
		{"duration":"1d"},
		{"id":"b"}
	]`), &steps)

	require.NoError(t, err)
	require.Equal(t, []entry.Step{
		{ID: "a", Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello")},
			OnError: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("failed")}}}},
		{Spec: &entry.Wait{Duration: "1d"}},
		{Spec: &entry.UnknownStep{Type: "fax", Fields: map[string]json.RawMessage{"pages": []byte(`3`)}}},
		{Spec: &entry.UnknownStep{Fields: map[string]json.RawMessage{"duration": []byte(`"1d"`)}}},
		{ID: "b"},
	}, steps)
}

func TestStepUnmarshalRejectsValuesOfTheWrongType(t *testing.T) {
	var s entry.Step
	err := json.Unmarshal([]byte(`{"type":"wait","duration":3}`), &s)

	require.EqualError(t, err, "duration: must be a string, not number")
}

func TestStepTypes(t *testing.T) {
	types := entry.StepTypes()

	names := typeNames(types)
	require.True(t, slices.IsSorted(names), "sorted by name: %v", names)
	require.Subset(t, names, []string{entry.StepClearEvent, entry.StepHTTPRequest, entry.StepIf, entry.StepScheduleEvent,
		entry.StepSendEmail, entry.StepSendSMS, entry.StepSendSurvey, entry.StepSetVariable, entry.StepWait,
		entry.StepWaitUntil, entry.StepWaitForEvent, entry.StepSplit})
	email := types[slices.IndexFunc(types, func(t entry.StepType) bool { return t.Type == entry.StepSendEmail })]
	require.Equal(t, entry.StepType{Type: "send_email", Label: "Send email",
		Help: "Sends an email through the server's SMTP relay.", Group: entry.GroupMessages,
		Fields: []entry.StepField{
			{Name: "to", Label: "To", Help: "The recipient's address; $(customer.email) when empty.", Kind: "template"},
			{Name: "subject", Label: "Subject", Help: "The subject line.", Kind: "template", Required: true, Localized: true},
			{Name: "text", Label: "Text", Help: "The plain-text body; give text, html or both.", Kind: "message", Localized: true},
			{Name: "html", Label: "HTML", Help: "The HTML body, whose $(variables) are escaped for where they land; give text, html or both.", Kind: "html", Localized: true},
			{Name: "fallback", Label: "Fallback", Help: "Steps that run instead of going on when the contact policy skips the email " +
				"(opted out, capped) or it fails for good; $(message.fallback) says why.", Kind: "steps"},
		}}, email)
	until := types[slices.IndexFunc(types, func(t entry.StepType) bool { return t.Type == entry.StepWaitUntil })]
	require.Equal(t, []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, until.Fields[1].Options, "a form offers the days")
	request := types[slices.IndexFunc(types, func(t entry.StepType) bool { return t.Type == entry.StepHTTPRequest })]
	require.Equal(t, entry.HTTPMethods, request.Fields[0].Options)
	require.Equal(t, []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}, entry.HTTPMethods)
}

// The console builds its forms from these descriptions: every field needs
// words for them.
func TestEveryStepFieldHasALabelAndHelp(t *testing.T) {
	for _, st := range entry.StepTypes() {
		require.NotEmpty(t, st.Label, st.Type)
		require.NotEmpty(t, st.Help, st.Type)
		require.NotEmpty(t, st.Fields, st.Type)
		for _, f := range st.Fields {
			require.NotEmpty(t, f.Label, "%s.%s", st.Type, f.Name)
			require.NotEmpty(t, f.Help, "%s.%s", st.Type, f.Name)
			require.NotEmpty(t, f.Kind, "%s.%s", st.Type, f.Name)
		}
	}
	common := entry.CommonStepFields()
	require.Equal(t, []string{"id", "on_error"}, []string{common[0].Name, common[1].Name})
	for _, f := range common {
		require.NotEmpty(t, f.Label, f.Name)
		require.NotEmpty(t, f.Help, f.Name)
	}
}

func TestStepTypesCannotBeChangedByTheirCaller(t *testing.T) {
	entry.StepTypes()[0].Fields[0].Label = "changed"

	require.NotEqual(t, "changed", entry.StepTypes()[0].Fields[0].Label)
}

func TestNewSpec(t *testing.T) {
	for _, st := range entry.StepTypes() {
		spec, ok := entry.NewSpec(st.Type)
		require.True(t, ok, st.Type)
		require.Equal(t, st.Type, entry.Step{Spec: spec}.Type())
	}
	_, ok := entry.NewSpec("fax")
	require.False(t, ok)
}

func typeNames(types []entry.StepType) []string {
	var names []string
	for _, t := range types {
		names = append(names, t.Type)
	}
	return names
}
