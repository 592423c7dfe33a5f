package entry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// ambiguousTexts are texts a YAML reader takes for something else when
// they are written plain: booleans, nulls, numbers and dates of YAML 1.1
// and 1.2, texts that look like YAML syntax, and texts whose spaces or
// lines matter.
var ambiguousTexts = []string{
	"yes", "Yes", "NO", "on", "Off", "y", "n", "true", "False", "null", "Null", "~",
	"1e3", "0o17", "0x1F", "017", "1_000", "-.5", ".inf", ".NaN", "+12", "12:30", "1:20:30", "2026-11-30", "2026-11-30T10:15:00Z",
	"  leading spaces", "trailing spaces  ", "key: value", "a:b", "# not a comment", "text # and a hash",
	"- a dash", "[a list]", "{a: map}", "'single", `"double`, "@at", "`tick", "%percent", "!tag", "&anchor", "*alias",
	"|pipe", ">folded", "? question", "tab\there", "emoji 😀", "ünïcödé", "<p>html & more</p>", "$(survey.url)",
	"line one\nline two\n", "line one\nline two", "\nleading newline", "trailing newlines\n\n\n",
	"  indented first line\nthen not", "line\n  indented\n", "carriage\r\nreturn", "yes\nno",
}

// entryWith is an entry whose texts are all text, in every place a text
// can be: a name, a trigger, step fields, a header's name and value.
func entryWith(text string) entry.Entry {
	return entry.Entry{ID: "an-entry", Name: text, Service: text, Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: text}},
		Steps: []entry.Step{
			{ID: "set", Spec: &entry.SetVariable{Name: "v", Value: text}},
			{Spec: &entry.SendEmail{Subject: entry.Plain(text), Text: entry.Plain(text), HTML: entry.Plain(text)}},
			{Spec: &entry.HTTPRequest{URL: "https://example.com", Headers: map[string]string{text: text}, Body: text}},
		}}
}

// What EncodeYAML writes reads back as the same entry, whatever its texts.
func TestEncodeYAMLReadsBackEqual(t *testing.T) {
	t.Parallel()
	for _, text := range ambiguousTexts {
		t.Run(fmt.Sprintf("%q", text), func(t *testing.T) {
			t.Parallel()
			e := entryWith(text)

			data, err := entry.EncodeYAML(e)
			require.NoError(t, err)
			back, err := entry.DecodeYAML(data)

			require.NoError(t, err, "%s", data)
			require.Equal(t, e.Definition(), back.Definition(), "%s", data)
		})
	}
}

// The YAML reads like a hand-written file: the API's key order, texts
// plain where they can be, literal blocks for texts of several lines,
// quotes only where a reader would take a text for something else.
func TestEncodeYAMLWritesAFileAPersonWouldWrite(t *testing.T) {
	t.Parallel()
	e := entry.Entry{ID: "post-call-survey", Name: "Post-call survey", Service: "Billing Support", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do?"), Subject: entry.Plain("Your call: thanks"),
				Text: entry.Plain("Hi,\n\nrate us: $(survey.url)\n"), Wait: "1d"}},
			{Spec: &entry.SetVariable{Name: "followup.sent", Value: "yes"}},
			{Spec: &entry.SetVariable{Name: "limit", Value: "1e3"}},
		}}

	data, err := entry.EncodeYAML(e)

	require.NoError(t, err)
	require.Equal(t, `id: post-call-survey
name: Post-call survey
service: Billing Support
enabled: true
triggers:
  - type: disposition
    disposition: Problem solved
steps:
  - id: survey
    type: send_survey
    channel: email
    question: How did we do?
    subject: 'Your call: thanks'
    text: |
      Hi,

      rate us: $(survey.url)
    wait: 1d
  - type: set_variable
    name: followup.sent
    value: "yes"
  - type: set_variable
    name: limit
    value: "1e3"
`, string(data))
	require.False(t, strings.Contains(string(data), "version"), "what the server assigns is left out")
}
