package entry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

func ptr(f float64) *float64 { return &f }

// valid is an entry that passes Validate; each case breaks one rule.
func valid() entry.Entry {
	return entry.Entry{
		ID: "post-call-survey", Name: "Post-call survey", Service: "Billing Support", Enabled: true,
		Triggers: []entry.Trigger{
			{Type: entry.TriggerDisposition, Disposition: "Problem solved"},
			{Type: entry.TriggerCaseDisposition, Disposition: "Need more information"},
			{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: ptr(0.51)},
		},
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do?"),
				Subject: entry.Plain("Your call"), Text: entry.Plain("Rate us: $(survey.url)"), Wait: "1d"}},
			{Spec: &entry.If{Condition: "survey.score <= 2",
				Then: []entry.Step{{ID: "sorry", Spec: &entry.SendEmail{Subject: entry.Plain("Sorry"), Text: entry.Plain("Hi $(customer.first_name)")}}},
				Else: []entry.Step{{Spec: &entry.Wait{Duration: "1w"}}}}},
			{Spec: &entry.SendSMS{Text: entry.Plain("Thanks")}},
			{Spec: &entry.SetVariable{Name: "followed_up", Value: "yes"}},
		},
	}
}

// spec is the Spec of s as its type T, for a fixture to change a field.
func spec[T entry.Spec](s entry.Step) T {
	return s.Spec.(T)
}

// The steps of valid(), by what they do.
func survey(e *entry.Entry) *entry.SendSurvey { return spec[*entry.SendSurvey](e.Steps[0]) }

// replySurvey makes the survey an SMS survey answered by reply.
func replySurvey(e *entry.Entry) *entry.SendSurvey {
	s := survey(e)
	s.Channel, s.Subject, s.AnswerBy = "sms", entry.Plain(""), entry.AnswerByReply
	return s
}
func branch(e *entry.Entry) *entry.If         { return spec[*entry.If](e.Steps[1]) }
func apology(e *entry.Entry) *entry.SendEmail { return spec[*entry.SendEmail](branch(e).Then[0]) }
func pause(e *entry.Entry) *entry.Wait        { return spec[*entry.Wait](branch(e).Else[0]) }
func sms(e *entry.Entry) *entry.SendSMS       { return spec[*entry.SendSMS](e.Steps[2]) }
func setVar(e *entry.Entry) *entry.SetVariable {
	return spec[*entry.SetVariable](e.Steps[3])
}

func TestValidateAcceptsAValidEntry(t *testing.T) {
	require.NoError(t, entry.Validate(valid(), entry.DefaultCatalog()))
}

// Conditions may name any variable a run can have: the event's own (any
// top-level name), ccflow's fields, what the entry's steps set and save,
// wherever they are set.
func TestValidateAcceptsConditionsAboutVariablesARunCanHave(t *testing.T) {
	e := valid()
	e.Steps = append(e.Steps,
		entry.Step{Spec: &entry.HTTPRequest{URL: "https://crm.example.com/x", SaveAs: "crm"}},
		entry.Step{Spec: &entry.SetVariable{Name: "followup.sent", Value: "yes"}},
		entry.Step{Spec: &entry.If{Condition: "crm.status == 200 && crm.body.tier == 'gold' && crm.headers['etag'] != ''" +
			" && followup.sent == 'yes' && followed_up == 'yes' && vip && customer.email != '' && entry.version > 0",
			Then: []entry.Step{{Spec: &entry.Wait{Duration: "1m"}}}}},
		entry.Step{Spec: &entry.If{Condition: "error.step == 'x'", Then: []entry.Step{{Spec: &entry.Wait{Duration: "1m"}}}}},
		entry.Step{Spec: &entry.If{Condition: "survey.answer_by == 'link'", Then: []entry.Step{{Spec: &entry.Wait{Duration: "1m"}}}}},
	)
	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
}

// nested returns a step list nested depth levels deep through if steps.
func nested(depth int) []entry.Step {
	steps := []entry.Step{{Spec: &entry.Wait{Duration: "1m"}}}
	for range depth - 1 {
		steps = []entry.Step{{Spec: &entry.If{Condition: "true", Then: steps}}}
	}
	return steps
}

func waits(n int) []entry.Step {
	steps := make([]entry.Step, n)
	for i := range steps {
		steps[i] = entry.Step{Spec: &entry.Wait{Duration: "1m"}}
	}
	return steps
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*entry.Entry)
		path    string
		message string
	}{
		// id
		{"id required", func(e *entry.Entry) { e.ID = "" }, "id", "is required"},
		{"id lower case", func(e *entry.Entry) { e.ID = "Post" }, "id", `"Post" must start with a lower-case letter or digit`},
		{"id without slash", func(e *entry.Entry) { e.ID = "a/b" }, "id", `"a/b" must start with`},
		{"id starts with a letter or digit", func(e *entry.Entry) { e.ID = "-a" }, "id", `"-a" must start with`},
		{"id at most 64 characters", func(e *entry.Entry) { e.ID = strings.Repeat("a", 65) }, "id", "longer than 64 characters"},
		// name
		{"name required", func(e *entry.Entry) { e.Name = "" }, "name", "is required"},
		{"name at most 200 characters", func(e *entry.Entry) { e.Name = strings.Repeat("é", 201) }, "name", "at most 200"},
		// triggers
		{"a trigger required", func(e *entry.Entry) { e.Triggers = nil }, "triggers", "at least one trigger"},
		{"trigger type required", func(e *entry.Entry) { e.Triggers[0].Type = "" }, "triggers[0].type", "is required"},
		{"trigger type known", func(e *entry.Entry) { e.Triggers[0].Type = "csat" },
			"triggers[0].type", `"csat" is not a trigger type (use one of disposition, case_disposition, average_sentiment)`},
		{"disposition required", func(e *entry.Entry) { e.Triggers[0].Disposition = "" }, "triggers[0].disposition", "is required"},
		{"disposition in the catalog, case-sensitive", func(e *entry.Entry) { e.Triggers[0].Disposition = "problem solved" },
			"triggers[0].disposition", `"problem solved" is not in the disposition catalog ("Problem solved", "Answer provided"`},
		{"disposition trigger has no operator", func(e *entry.Entry) { e.Triggers[0].Operator = ">" },
			"triggers[0].operator", "not a field of disposition triggers"},
		{"disposition trigger has no threshold", func(e *entry.Entry) { e.Triggers[0].Threshold = ptr(0) },
			"triggers[0].threshold", "not a field of disposition triggers"},
		{"case disposition required", func(e *entry.Entry) { e.Triggers[1].Disposition = "" }, "triggers[1].disposition", "is required"},
		{"case disposition non-final", func(e *entry.Entry) { e.Triggers[1].Disposition = "Problem solved" },
			"triggers[1].disposition", `only non-final case dispositions are ("Need more information", "Needs approval", "Approved")`},
		{"case disposition trigger has no operator", func(e *entry.Entry) { e.Triggers[1].Operator = "<" },
			"triggers[1].operator", "not a field of case_disposition triggers"},
		{"sentiment operator < or >", func(e *entry.Entry) { e.Triggers[2].Operator = ">=" },
			"triggers[2].operator", `">=" is not an operator`},
		{"sentiment threshold required", func(e *entry.Entry) { e.Triggers[2].Threshold = nil },
			"triggers[2].threshold", "is required"},
		{"sentiment threshold at most 1", func(e *entry.Entry) { e.Triggers[2].Threshold = ptr(1.5) },
			"triggers[2].threshold", "1.5 is not between -1 and 1"},
		{"sentiment threshold at least -1", func(e *entry.Entry) { e.Triggers[2].Threshold = ptr(-1.01) },
			"triggers[2].threshold", "-1.01 is not between -1 and 1"},
		{"sentiment trigger has no disposition", func(e *entry.Entry) { e.Triggers[2].Disposition = "Spam" },
			"triggers[2].disposition", "not a field of average_sentiment triggers"},
		// steps in general
		{"a step required", func(e *entry.Entry) { e.Steps = nil }, "steps", "at least one step"},
		{"at most 200 steps in all", func(e *entry.Entry) {
			e.Steps = append(waits(150), entry.Step{Spec: &entry.If{Condition: "true", Then: waits(50)}})
		}, "steps", "has 201 steps in all"},
		{"nesting at most 8 deep", func(e *entry.Entry) { e.Steps = nested(9) },
			"steps[0].then[0].then[0].then[0].then[0].then[0].then[0].then[0].then", "nested 9 levels deep; at most 8"},
		{"on_error counts as nesting", func(e *entry.Entry) {
			e.Steps = nested(8)
			s := &e.Steps[0]
			for range 7 {
				s = &spec[*entry.If](*s).Then[0]
			}
			s.OnError = waits(1)
		}, "steps[0].then[0].then[0].then[0].then[0].then[0].then[0].then[0].on_error", "nested 9 levels deep"},
		{"step id characters", func(e *entry.Entry) { e.Steps[0].ID = "a b" }, "steps[0].id", `"a b" must be 1 to 64 letters, digits, '_' or '-'`},
		{"step id at most 64 characters", func(e *entry.Entry) { e.Steps[0].ID = strings.Repeat("a", 65) }, "steps[0].id", "must be 1 to 64"},
		{"step ids unique across nesting", func(e *entry.Entry) { branch(e).Then[0].ID = "survey" },
			"steps[1].then[0].id", `"survey" is already the id of steps[0]`},
		{"step type required", func(e *entry.Entry) { e.Steps[2].Spec = nil }, "steps[2].type", "is required"},
		{"step type known", func(e *entry.Entry) { e.Steps[2].Spec = &entry.UnknownStep{Type: "fax"} },
			"steps[2].type", `"fax" is not a step type (use one of clear_event, `},
		{"on_error steps validated", func(e *entry.Entry) { e.Steps[2].OnError = []entry.Step{{Spec: &entry.Wait{}}} },
			"steps[2].on_error[0].duration", "is required"},
		// send_survey
		{"survey channel required", func(e *entry.Entry) { survey(e).Channel = "" }, "steps[0].channel", "is required (email or sms)"},
		{"survey channel email or sms", func(e *entry.Entry) { survey(e).Channel = "fax" },
			"steps[0].channel", `"fax" is not a survey channel`},
		{"survey scale 1-5 or 0-10", func(e *entry.Entry) { survey(e).Scale = "1-10" },
			"steps[0].scale", `"1-10" is not a survey scale (use 1-5 or 0-10)`},
		{"survey question required", func(e *entry.Entry) { survey(e).Question = entry.Plain("") }, "steps[0].question", "is required"},
		{"survey text required", func(e *entry.Entry) { survey(e).Text = entry.Plain("") }, "steps[0].text", "is required and must contain $(survey.url)"},
		{"survey text holds the link", func(e *entry.Entry) { survey(e).Text = entry.Plain("Rate us at survey.url") },
			"steps[0].text", "must contain $(survey.url)"},
		{"email survey subject required", func(e *entry.Entry) { survey(e).Subject = entry.Plain("") }, "steps[0].subject", "is required"},
		{"survey html holds the link", func(e *entry.Entry) { survey(e).HTML = entry.Plain("<p>Rate us</p>") },
			"steps[0].html", "must contain $(survey.url)"},
		{"sms survey has no subject", func(e *entry.Entry) { survey(e).Channel = "sms" },
			"steps[0].subject", "only email surveys have a subject"},
		{"answer by link or reply", func(e *entry.Entry) { survey(e).AnswerBy = "call" },
			"steps[0].answer_by", `"call" is not a way to answer (use link or reply)`},
		{"only SMS surveys answer by reply", func(e *entry.Entry) { survey(e).AnswerBy = "reply" },
			"steps[0].answer_by", "only SMS surveys are answered by reply"},
		{"an SMS survey answered by reply has a text", func(e *entry.Entry) { replySurvey(e).Text = entry.Plain("") },
			"steps[0].text", "is required"},
		{"an SMS survey answered by link shows it", func(e *entry.Entry) {
			replySurvey(e).AnswerBy, survey(e).Text = "link", entry.Plain("How did we do?")
		}, "steps[0].text", "must contain $(survey.url)"},
		{"survey wait required", func(e *entry.Entry) { survey(e).Wait = "" }, "steps[0].wait", "is required"},
		{"survey wait longer than zero", func(e *entry.Entry) { survey(e).Wait = "0s" }, "steps[0].wait", `"0s" must be longer than zero`},
		// wait
		{"wait duration required", func(e *entry.Entry) { pause(e).Duration = "" }, "steps[1].else[0].duration", "is required"},
		{"wait duration parses", func(e *entry.Entry) { pause(e).Duration = "3 dayz" },
			"steps[1].else[0].duration", `"3 dayz" is not a duration (use e.g. 45s, 30m, 12h, 1d, 1w or 1d12h)`},
		{"wait duration longer than zero", func(e *entry.Entry) { pause(e).Duration = "0d" },
			"steps[1].else[0].duration", "must be longer than zero"},
		{"wait at most 365 days", func(e *entry.Entry) { pause(e).Duration = "53w" },
			"steps[1].else[0].duration", `"53w" is longer than 365 days`},
		// send_email
		{"email subject required", func(e *entry.Entry) { apology(e).Subject = entry.Plain("") }, "steps[1].then[0].subject", "is required"},
		{"email text or html required", func(e *entry.Entry) { apology(e).Text = entry.Plain("") },
			"steps[1].then[0].text", "text or html is required"},
		// send_sms
		{"sms text required", func(e *entry.Entry) { sms(e).Text = entry.Plain("") }, "steps[2].text", "is required"},
		// set_variable
		{"variable name required", func(e *entry.Entry) { setVar(e).Name = "" }, "steps[3].name", "is required"},
		{"variable name valid", func(e *entry.Entry) { setVar(e).Name = "followed-up" },
			"steps[3].name", `"followed-up" is not a variable name`},
		{"variable name not reserved", func(e *entry.Entry) { setVar(e).Name = "survey.score" },
			"steps[3].name", `"survey.score" is reserved`},
		{"variable value required", func(e *entry.Entry) { setVar(e).Value = "" }, "steps[3].value", "is required"},
		// if
		{"condition required", func(e *entry.Entry) { branch(e).Condition = "" }, "steps[1].condition", "is required"},
		{"condition parses", func(e *entry.Entry) { branch(e).Condition = "survey.score <=" },
			"steps[1].condition", `"survey.score <=" is not a valid CEL expression`},
		{"condition names a field no run has", func(e *entry.Entry) { branch(e).Condition = "survey.scor <= 2" },
			"steps[1].condition", "survey.scor is not a variable (under survey there are survey.answer_by, survey.answered, survey.comment, survey.id, survey.scale, survey.score and survey.url)"},
		{"condition names a customer field no event has", func(e *entry.Entry) { branch(e).Condition = "customer.mail == ''" },
			"steps[1].condition", "customer.mail is not a variable"},
		{"condition type-checks", func(e *entry.Entry) { branch(e).Condition = "survey.score <= '2' + 1" },
			"steps[1].condition", "does not type-check"},
		{"condition is true or false", func(e *entry.Entry) { branch(e).Condition = "'yes'" },
			"steps[1].condition", `"'yes'" gives string, not true or false`},
		{"condition names a field of a saved answer no run has", func(e *entry.Entry) {
			e.Steps = append([]entry.Step{{Spec: &entry.HTTPRequest{URL: "https://crm.example.com/x", SaveAs: "crm"}}}, e.Steps...)
			spec[*entry.If](e.Steps[2]).Condition = "crm.stauts == 200"
		}, "steps[2].condition", "crm.stauts is not a variable (under crm there are crm.body, crm.headers and crm.status)"},
		{"then required", func(e *entry.Entry) { branch(e).Then = nil }, "steps[1].then", "at least one step"},
		// text: every field has a length limit and a control-character rule
		{"name with a NUL", func(e *entry.Entry) { e.Name = "Post-call\x00survey" }, "name", "holds a control character (U+0000)"},
		{"service of 3,000 characters", func(e *entry.Entry) { e.Service = strings.Repeat("s", 3000) },
			"service", "is 3000 characters long; at most 200 are allowed"},
		{"service on one line", func(e *entry.Entry) { e.Service = "Billing\nSupport" }, "service", "control character (U+000A)"},
		{"trigger disposition length", func(e *entry.Entry) { e.Triggers[0].Disposition = strings.Repeat("d", 5000) },
			"triggers[0].disposition", "is 5000 characters long; at most 200 are allowed"},
		{"trigger type length", func(e *entry.Entry) { e.Triggers[0].Type = strings.Repeat("t", 5000) },
			"triggers[0].type", "at most 32"},
		{"a one-line field with a line break", func(e *entry.Entry) { apology(e).Subject = entry.Plain("Sorry\r\nBcc: all@example.com") },
			"steps[1].then[0].subject", "holds a control character (U+000D) at character 6: write it as one line of text"},
		{"a one-line field with a NUL", func(e *entry.Entry) { setVar(e).Value = "yes\x00" }, "steps[3].value", "control character (U+0000)"},
		{"a body with a NUL", func(e *entry.Entry) { sms(e).Text = entry.Plain("Thanks\n\x00") },
			"steps[2].text", "holds a control character (U+0000) at character 8: only line breaks and tabs may be written"},
		{"a body not UTF-8", func(e *entry.Entry) { sms(e).Text = entry.Plain("Thanks \xff") }, "steps[2].text", "is not valid UTF-8 text"},
		{"a body's length", func(e *entry.Entry) { sms(e).Text = entry.Plain(strings.Repeat("x", 20001)) }, "steps[2].text", "at most 20000"},
		{"a template's length", func(e *entry.Entry) { apology(e).Subject = entry.Plain(strings.Repeat("x", 1001)) }, "steps[1].then[0].subject", "at most 1000"},
		{"a condition's length", func(e *entry.Entry) { branch(e).Condition = strings.Repeat("x", 2001) }, "steps[1].condition", "at most 2000"},
		{"a duration's length", func(e *entry.Entry) { pause(e).Duration = strings.Repeat("1d", 1000) }, "steps[1].else[0].duration", "at most 32"},
		{"an enum's length", func(e *entry.Entry) { survey(e).Channel = strings.Repeat("e", 1000) }, "steps[0].channel", "at most 32"},
		{"a variable name's length", func(e *entry.Entry) { setVar(e).Name = strings.Repeat("v", 201) }, "steps[3].name", "at most 200"},
		{"a huge step id is not repeated whole", func(e *entry.Entry) { e.Steps[0].ID = strings.Repeat("s", 100000) },
			"steps[0].id", `"` + strings.Repeat("s", 60) + `…" (100000 characters) must be 1 to 64 letters`},
		{"a header value on one line", func(e *entry.Entry) {
			e.Steps = append(e.Steps, entry.Step{Spec: &entry.HTTPRequest{URL: "https://crm.example.com/x",
				Headers: map[string]string{"X-Note": "a\r\nX-Admin: 1"}}})
		}, "steps[4].headers.X-Note", "control character (U+000D)"},
		{"a header name's length", func(e *entry.Entry) {
			e.Steps = append(e.Steps, entry.Step{Spec: &entry.HTTPRequest{URL: "https://crm.example.com/x",
				Headers: map[string]string{strings.Repeat("X", 101): "1"}}})
		}, "steps[4].headers." + strings.Repeat("X", 60) + "…", "is longer than 100 characters"},
		{"a URL's length", func(e *entry.Entry) {
			e.Steps = append(e.Steps, entry.Step{Spec: &entry.HTTPRequest{URL: "https://crm.example.com/" + strings.Repeat("x", 2000)}})
		}, "steps[4].url", "at most 2000"},
		{"a run carries its entry: at most 256 KiB as JSON", func(e *entry.Entry) {
			for range 20 {
				e.Steps = append(e.Steps, entry.Step{Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), HTML: entry.Plain(strings.Repeat("<p>x</p>", 2000))}})
			}
		}, "steps", "KiB as JSON; an entry is at most 256 KiB, as every run carries it in its history"},
		{"else validated", func(e *entry.Entry) { branch(e).Else[0].Spec = &entry.UnknownStep{Type: "nap"} }, "steps[1].else[0].type", `"nap" is not a step type`},
		// templates
		{"question template", func(e *entry.Entry) { survey(e).Question = entry.Plain("$(x") }, "steps[0].question", "without its closing )"},
		{"to template", func(e *entry.Entry) { sms(e).To = "$(1x)" }, "steps[2].to", "$(1x) is not a variable name"},
		{"subject template", func(e *entry.Entry) { apology(e).Subject = entry.Plain("$(a..b)") }, "steps[1].then[0].subject", "is not a variable name"},
		{"text template", func(e *entry.Entry) { sms(e).Text = entry.Plain("Hi $(") }, "steps[2].text", "without its closing )"},
		{"html template", func(e *entry.Entry) { apology(e).HTML = entry.Plain("<b>$()</b>") }, "steps[1].then[0].html", "is not a variable name"},
		{"value template", func(e *entry.Entry) { setVar(e).Value = "$(a b)" }, "steps[3].value", "is not a variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.change(&e)

			err := entry.Validate(e, entry.DefaultCatalog())

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(*entry.Entry)
	}{
		{"any service when service is empty", func(e *entry.Entry) { e.Service = "" }},
		{"id of every allowed character", func(e *entry.Entry) { e.ID = "a-b_c.9" }},
		{"id of 64 characters", func(e *entry.Entry) { e.ID = strings.Repeat("a", 64) }},
		{"name of 200 characters", func(e *entry.Entry) { e.Name = strings.Repeat("é", 200) }},
		{"sentiment threshold -1", func(e *entry.Entry) { e.Triggers[2].Threshold = ptr(-1) }},
		{"sentiment threshold 1", func(e *entry.Entry) { e.Triggers[2].Threshold = ptr(1) }},
		{"a disposition the catalog was extended with", func(e *entry.Entry) { e.Triggers[0].Disposition = "Callback promised" }},
		{"200 steps in all", func(e *entry.Entry) {
			e.Steps = append(waits(150), entry.Step{Spec: &entry.If{Condition: "true", Then: waits(49)}})
		}},
		{"nesting 8 deep", func(e *entry.Entry) { e.Steps = nested(8) }},
		{"on_error on every step type", func(e *entry.Entry) {
			for i := range e.Steps {
				e.Steps[i].OnError = []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain(fmt.Sprintf("step %d failed", i))}}}
			}
		}},
		{"sms survey without subject", func(e *entry.Entry) { survey(e).Channel, survey(e).Subject = "sms", entry.Plain("") }},
		{"sms survey answered by reply without a link", func(e *entry.Entry) {
			replySurvey(e).Text = entry.Plain("Hi $(customer.first_name), thanks for calling.")
		}},
		{"sms survey answered by reply with a link too", func(e *entry.Entry) {
			replySurvey(e).Text = entry.Plain("Reply with a number, or tell us here: $(survey.url)")
		}},
		{"sms survey answered by reply on 0-10", func(e *entry.Entry) { replySurvey(e).Scale = "0-10" }},
		{"survey answered by link said", func(e *entry.Entry) { survey(e).AnswerBy = "link" }},
		{"survey html with the link", func(e *entry.Entry) { survey(e).HTML = entry.Plain(`<a href="$( survey.url )">Rate us</a>`) }},
		{"survey to another address", func(e *entry.Entry) { survey(e).To = "$(manager_email)" }},
		{"wait of 365 days", func(e *entry.Entry) { pause(e).Duration = "365d" }},
		{"wait of days and hours", func(e *entry.Entry) { pause(e).Duration = "1d12h" }},
		{"email with html only", func(e *entry.Entry) { apology(e).Text, apology(e).HTML = entry.Plain(""), entry.Plain("<p>Hi</p>") }},
		{"dotted variable name", func(e *entry.Entry) { setVar(e).Name = "followup.sent" }},
		{"variable value from a template", func(e *entry.Entry) { setVar(e).Value = "$(survey.score)" }},
		{"if without else", func(e *entry.Entry) { branch(e).Else = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.change(&e)
			cat := entry.DefaultCatalog()
			cat.Interaction = append(cat.Interaction, "Callback promised")
			require.NoError(t, entry.Validate(e, cat))
		})
	}
}

func TestValidateReportsEveryProblemInOrder(t *testing.T) {
	e := entry.Entry{
		ID:       "Bad/Id",
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "soon"}}, {Spec: &entry.SendSMS{}}},
	}

	var errs validation.Errors
	require.ErrorAs(t, entry.Validate(e, entry.DefaultCatalog()), &errs)
	paths := []string{}
	for _, fe := range errs {
		paths = append(paths, fe.Path)
	}
	require.Equal(t, []string{"id", "name", "triggers[0].disposition", "steps[0].duration", "steps[1].text"}, paths)
}

func TestNormalize(t *testing.T) {
	// Decoded, as a step's type only exists in JSON.
	e, err := entry.Decode([]byte(`{"name": "  Post-call survey ", "service": " Billing Support\t", "enabled": false,
		"triggers": [{"type": " disposition ", "disposition": " Problem solved "}],
		"steps": [{"type": " if ", "condition": " true ",
			"then": [{"id": " s1 ", "type": "send_sms", "text": "  Hello\n"}],
			"else": [{"type": "wait ", "duration": " 1d"}]}]}`))
	require.NoError(t, err)

	entry.Normalize(&e)

	require.Equal(t, entry.Entry{
		ID:       "post-call-survey",
		Name:     "Post-call survey",
		Service:  "Billing Support",
		Triggers: []entry.Trigger{{Type: "disposition", Disposition: "Problem solved"}},
		Steps: []entry.Step{{Spec: &entry.If{Condition: "true",
			Then: []entry.Step{{ID: "s1", Spec: &entry.SendSMS{Text: entry.Plain("  Hello\n")}}},
			Else: []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}}}},
	}, e)
}

func TestNormalizeKeepsAGivenID(t *testing.T) {
	e := entry.Entry{ID: " survey-1 ", Name: "Post-call survey"}
	entry.Normalize(&e)
	require.Equal(t, "survey-1", e.ID)
}

func TestStepID(t *testing.T) {
	require.Equal(t, "follow-up", entry.StepID(entry.Step{ID: "follow-up"}, "steps[1].then[0]"))
	require.Equal(t, "steps[1].then[0]", entry.StepID(entry.Step{}, "steps[1].then[0]"))
}
