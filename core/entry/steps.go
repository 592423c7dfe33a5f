package entry

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/vars"
)

// Limits that keep an entry, and the workflow history that runs it, small.
const (
	maxSteps     = 200
	maxDepth     = 8
	maxStepIDLen = 64
	maxDuration  = 365 * durations.Day
)

// surveyURLField is the variable a survey message must show: without the
// link the customer has no way to answer.
const surveyURLField = "survey.url"

// stepType says which fields a step type takes besides id, type and
// on_error.
type stepType struct {
	fields []string
}

var stepTypes = map[string]stepType{
	StepSendSurvey:    {fields: []string{"channel", "question", "to", "subject", "text", "html", "wait"}},
	StepWait:          {fields: []string{"duration"}},
	StepSendEmail:     {fields: []string{"to", "subject", "text", "html"}},
	StepSendSMS:       {fields: []string{"to", "text"}},
	StepSetVariable:   {fields: []string{"name", "value"}},
	StepIf:            {fields: []string{"condition", "then", "else"}},
	StepScheduleEvent: {fields: []string{"name", "after", "at", "steps"}},
	StepClearEvent:    {fields: []string{"name"}},
	StepHTTPRequest:   {fields: []string{"method", "url", "connection", "path", "headers", "body", "timeout", "save_as"}},
}

// commonStepFields are allowed on every step type.
var commonStepFields = []string{"id", "type", "on_error"}

// StepID names a step in idempotency keys and status: its id when it has
// one, else its path in the entry, such as "steps[1].then[0]".
func StepID(s Step, path string) string {
	if s.ID != "" {
		return s.ID
	}
	return path
}

// checkSteps checks a list of steps at the given nesting depth (1 for the
// entry's own steps).
func (v *validator) checkSteps(steps []Step, path string, depth int) {
	if len(steps) > 0 && depth > maxDepth {
		v.addf(path, "is nested %d levels deep; at most %d are allowed", depth, maxDepth)
		return
	}
	for i, s := range steps {
		v.checkStep(s, fmt.Sprintf("%s[%d]", path, i), depth)
	}
}

func (v *validator) checkStep(s Step, path string, depth int) {
	v.stepCount++
	at := func(field string) string { return validation.Join(path, field) }
	v.checkStepID(s.ID, path)
	v.checkSteps(s.OnError, at("on_error"), depth+1)

	typ, known := stepTypes[s.Type]
	switch {
	case s.Type == "":
		v.addf(at("type"), "is required (one of %s)", strings.Join(stepTypeNames(), ", "))
		return
	case !known:
		v.addf(at("type"), "%q is not a step type (use one of %s)", s.Type, strings.Join(stepTypeNames(), ", "))
		return
	}
	for _, f := range setFields(&s) {
		if !slices.Contains(typ.fields, f) && !slices.Contains(commonStepFields, f) {
			v.addf(at(f), "not a field of %s steps", s.Type)
		}
	}

	switch s.Type {
	case StepSendSurvey:
		v.checkSurvey(s, path)
	case StepWait:
		v.checkDuration(s.Duration, at("duration"))
	case StepSendEmail:
		v.checkTemplate(s.To, at("to"))
		v.checkRequiredTemplate(s.Subject, at("subject"))
		v.checkTemplate(s.Text, at("text"))
		v.checkTemplate(s.HTML, at("html"))
		if s.Text == "" && s.HTML == "" {
			v.addf(at("text"), "text or html is required")
		}
	case StepSendSMS:
		v.checkTemplate(s.To, at("to"))
		v.checkRequiredTemplate(s.Text, at("text"))
	case StepSetVariable:
		v.checkVariableName(s.Name, at("name"))
		v.checkRequiredTemplate(s.Value, at("value"))
	case StepHTTPRequest:
		v.checkHTTPRequest(s, path)
	case StepIf:
		if s.Condition == "" {
			v.addf(at("condition"), "is required (a CEL expression such as survey.score <= 2)")
		} else {
			v.add(at("condition"), conditions.Check(s.Condition))
		}
		if len(s.Then) == 0 {
			v.addf(at("then"), "at least one step is required")
		}
		v.checkSteps(s.Then, at("then"), depth+1)
		v.checkSteps(s.Else, at("else"), depth+1)
	case StepScheduleEvent:
		v.checkScheduleEvent(s, path, depth)
	case StepClearEvent:
		v.checkEventName(s.Name, at("name"))
	}
}

func (v *validator) checkSurvey(s Step, path string) {
	at := func(field string) string { return validation.Join(path, field) }
	switch s.Channel {
	case "email":
		v.checkRequiredTemplate(s.Subject, at("subject"))
		v.checkSurveyLink(s.HTML, at("html"))
	case "sms":
		if s.Subject != "" {
			v.addf(at("subject"), "only email surveys have a subject")
		}
		if s.HTML != "" {
			v.addf(at("html"), "only email surveys have an html body")
		}
	case "":
		v.addf(at("channel"), "is required (email or sms)")
	default:
		v.addf(at("channel"), "%q is not a survey channel (use email or sms)", s.Channel)
	}
	v.checkRequiredTemplate(s.Question, at("question"))
	v.checkTemplate(s.To, at("to"))
	if s.Text == "" {
		v.addf(at("text"), "is required and must contain $(%s)", surveyURLField)
	} else {
		v.checkSurveyLink(s.Text, at("text"))
	}
	v.checkDuration(s.Wait, at("wait"))
}

// checkSurveyLink checks that a survey message body shows the link.
func (v *validator) checkSurveyLink(text, path string) {
	if text == "" {
		return
	}
	names, err := templates.Names(text)
	switch {
	case err != nil:
		v.add(path, err)
	case !slices.Contains(names, surveyURLField):
		v.addf(path, "must contain $(%s) so the customer can reach the survey", surveyURLField)
	}
}

func (v *validator) checkRequiredTemplate(text, path string) {
	if text == "" {
		v.addf(path, "is required")
		return
	}
	v.checkTemplate(text, path)
}

func (v *validator) checkTemplate(text, path string) {
	v.add(path, templates.Check(text))
}

func (v *validator) checkDuration(s, path string) {
	if s == "" {
		v.addf(path, "is required (e.g. 30m, 1d or 1w)")
		return
	}
	d, err := durations.Parse(s)
	switch {
	case err != nil:
		v.add(path, err)
	case d <= 0:
		v.addf(path, "%q must be longer than zero", s)
	case d > maxDuration:
		v.addf(path, "%q is longer than %d days", s, maxDuration/durations.Day)
	}
}

func (v *validator) checkVariableName(name, path string) {
	switch {
	case name == "":
		v.addf(path, "is required")
	case !templates.ValidName(name):
		v.addf(path, "%q is not a variable name (letters, digits and _, parts joined by dots)", name)
	case vars.IsReserved(name):
		v.addf(path, "%q is reserved: ccflow sets %s", name, strings.Join(vars.Reserved, ", "))
	}
}

// checkStepID checks a step id and that no other step in the entry has it:
// ids become parts of idempotency keys, so two steps may never share one.
func (v *validator) checkStepID(id, path string) {
	if id == "" {
		return
	}
	at := validation.Join(path, "id")
	if !validStepID(id) {
		v.addf(at, "%q must be 1 to %d letters, digits, '_' or '-'", id, maxStepIDLen)
		return
	}
	if first, dup := v.stepIDs[id]; dup {
		v.addf(at, "%q is already the id of %s", id, first)
		return
	}
	v.stepIDs[id] = path
}

func validStepID(id string) bool {
	if len(id) == 0 || len(id) > maxStepIDLen {
		return false
	}
	for _, c := range id {
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// setFields lists the JSON names of s's fields that hold a value, sorted.
func setFields(s *Step) []string {
	var names []string
	for name, p := range s.fields() {
		if isSet(p) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func isSet(p any) bool {
	switch t := p.(type) {
	case *string:
		return *t != ""
	case *[]Step:
		return len(*t) > 0
	case *map[string]string:
		return len(*t) > 0
	}
	panic(errors.New("entry: Step.fields holds a field type isSet does not know"))
}

func stepTypeNames() []string {
	return slices.Sorted(maps.Keys(stepTypes))
}
