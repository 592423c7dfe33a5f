package entry

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/vars"
)

// kind is what a step field holds. Every rule about one field alone
// belongs to its kind, so that fields of the same kind behave the same in
// every step type and a form knows how to show them.
//
// Rules every field of a kind obeys go here, checked in checkField: its
// text rule (a length limit, and which control characters the kind
// admits: single-line kinds none, message bodies and conditions line
// breaks and tabs) is checked before anything else about the value.
type kind struct {
	// goType is the Go type of fields of the kind.
	goType reflect.Type
	// body marks message bodies: kept exactly as written, where every
	// other text is trimmed of the spaces around it, and free to span
	// several lines.
	body bool
	// enum marks fields that take one of the options of their tags.
	enum bool
	// nested marks lists of steps, checked after the step's own fields.
	nested bool
	// localizable marks text kinds whose fields may be a Text, written
	// per language: each text obeys the kind's rules on its own.
	localizable bool
	// required is what an empty required field reports.
	required string
	// lists returns the lists of steps a field of a nested kind holds
	// (one for steps, one per branch for branches), so that walking an
	// entry's steps needs no case per kind.
	lists func(reflect.Value) [][]Step
	// options are the values the elements of a list kind take (days), for
	// forms.
	options []string
	// text is the rule of a text kind's values; zero for lists and maps.
	text validation.Text
	// check reports the problems of a field's non-empty value, at path;
	// depth is the nesting depth of the step that has the field.
	check func(v *validator, f *fieldDef, val reflect.Value, path string, depth int)
}

var (
	stringType   = reflect.TypeFor[string]()
	stringsType  = reflect.TypeFor[[]string]()
	textType     = reflect.TypeFor[Text]()
	stepsType    = reflect.TypeFor[[]Step]()
	branchesType = reflect.TypeFor[[]Branch]()
	headersType  = reflect.TypeFor[map[string]string]()
)

// Text rules of the kinds. A run carries its entry in its workflow
// history, so every text is bounded; maxEntryBytes bounds the whole.
var (
	oneLine     = validation.Line(1000)
	shortLine   = validation.Line(32)
	messageBody = validation.Lines(20000)
	htmlBody    = validation.Lines(50000)
)

// kinds are the field kinds, by the name tags give them.
var kinds = map[string]*kind{
	// template is one line of text with $(variables).
	"template": {goType: stringType, localizable: true, required: "is required", text: oneLine, check: checkString((*validator).checkTemplate)},
	// message is a message body with $(variables): the text of an email
	// or SMS, the body of a request.
	"message": {goType: stringType, body: true, localizable: true, required: "is required", text: messageBody, check: checkString((*validator).checkTemplate)},
	// html is an HTML message body with $(variables), whose values are
	// escaped when it is rendered.
	"html": {goType: stringType, body: true, localizable: true, required: "is required", text: htmlBody, check: checkString((*validator).checkHTML)},
	// duration is how long to wait, such as 30m or 1d12h, up to maxDuration.
	"duration": {goType: stringType, required: "is required (e.g. 30m, 1d or 1w)", text: shortLine, check: checkString((*validator).checkDuration)},
	// timeout is how long a request may take, up to MaxHTTPTimeout.
	"timeout": {goType: stringType, required: "is required (e.g. 10s or 1m)", text: shortLine, check: checkString((*validator).checkTimeout)},
	// enum is one of the options of its field's tag.
	"enum": {goType: stringType, enum: true, text: shortLine, check: checkEnum},
	// steps is a list of steps, nested one level deeper.
	"steps": {goType: stepsType, nested: true, required: "at least one step is required", check: checkNested,
		lists: func(v reflect.Value) [][]Step { return [][]Step{v.Interface().([]Step)} }},
	// branches are a split's branches, each with an id, a weight and
	// steps nested one level deeper (see Branch).
	"branches": {goType: branchesType, nested: true,
		required: `at least two branches are required, such as [{"id": "a", "weight": 50, "steps": […]}, {"id": "b", "weight": 50, "steps": […]}]`,
		check:    checkBranches, lists: branchLists},
	// clock is a local time of day, HH:MM.
	"clock": {goType: stringType, required: "is required (a time of day such as 10:00)", text: shortLine, check: checkString((*validator).checkClock)},
	// days are days of the week, by their names (mon, tue, …).
	"days": {goType: stringsType, required: "at least one day is required", check: checkDays, options: policy.DayNames()},
	// delay is a wait that may be zero: 0s, 30m, 1d, up to maxDuration.
	"delay": {goType: stringType, required: "is required (e.g. 0s, 12h or 1d)", text: shortLine, check: checkString((*validator).checkDelay)},
	// posted_event names an event posted to a run through the API, whose
	// name becomes the root of the variables it sets.
	"posted_event": {goType: stringType, required: "is required (the event's name, such as case_closed)", text: validation.Line(200),
		check: checkString((*validator).checkPostedEvent)},
	// headers are HTTP headers whose values are templates.
	"headers": {goType: headersType, required: "at least one header is required", check: checkHeaders},
	// condition is a CEL expression over the variables, which may span
	// lines.
	"condition": {goType: stringType, required: "is required (a CEL expression such as survey.score <= 2)", text: validation.Lines(2000),
		check: checkString((*validator).checkCondition)},
	// variable is the name of a context variable a step sets.
	"variable": {goType: stringType, required: "is required", text: validation.Line(200), check: checkString((*validator).checkVariableName)},
	// event_name names a scheduled event.
	"event_name": {goType: stringType, required: "is required (the event's name, such as follow-up)", text: validation.Line(200),
		check: checkString((*validator).checkEventName)},
	// event_time is a template that renders to a time (ParseEventTime).
	"event_time": {goType: stringType, required: "is required (a time such as 2026-11-30T10:15:00Z)", text: validation.Line(200),
		check: checkString((*validator).checkEventTime)},
	// url is an absolute http(s) URL, or a template that renders to one.
	"url": {goType: stringType, required: "is required", text: validation.Line(2000), check: checkString((*validator).checkRequestURL)},
	// connection names an internal API configured on the server.
	"connection": {goType: stringType, required: "is required", text: validation.Line(MaxConnectionNameLen), check: checkString((*validator).checkConnection)},
	// step_id is a step's id (Step.ID, checked in steps.go), or a split's
	// branch's (checkBranches).
	"step_id": {goType: stringType, text: validation.Line(maxStepIDLen)},
	// weight is a split's branch's share of runs (checkBranches).
	"weight": {goType: reflect.TypeFor[int]()},
}

// checkField checks one field of a step against its kind.
func (v *validator) checkField(f *fieldDef, val reflect.Value, path string, depth int) {
	if isEmpty(val) {
		if f.required != "" {
			v.addf(path, "%s", f.required)
		}
		return
	}
	if val.Type() == textType {
		v.checkLocalized(f, val.Interface().(Text), path, depth)
		return
	}
	if f.kind.text.Max > 0 {
		if err := f.kind.text.Check(path, val.String()); err != nil {
			v.errs = append(v.errs, err)
			return
		}
	}
	if f.kind.check != nil {
		f.kind.check(v, f, val, path, depth)
	}
}

// checkLocalized checks a localized field: its languages (known tags, in
// canonical form, the entry's default_language among them) at path, then
// each text against the kind's rules at path.<tag>.
func (v *validator) checkLocalized(f *fieldDef, t Text, path string, depth int) {
	if t.IsTranslated() {
		tags := t.Languages()
		for _, tag := range tags {
			canonical, err := i18n.Parse(tag)
			switch {
			case err != nil:
				v.addf(path, "%s", err)
			case canonical != tag && slices.Contains(tags, canonical):
				v.addf(path, "%q and %q name the same language: keep one", tag, canonical)
			case canonical != tag:
				v.addf(path, "%q is written %q", tag, canonical)
			}
		}
		if _, ok := t.In(v.defaultLanguage); !ok {
			v.addf(path, "has no %q text, the entry's default_language", v.defaultLanguage)
		}
	}
	for _, variant := range t.variants(path) {
		at, s := variant[0], variant[1]
		if s == "" && t.IsTranslated() {
			v.addf(at, "is empty: give the text, or leave the language out")
			continue
		}
		if f.kind.text.Max > 0 {
			if err := f.kind.text.Check(at, s); err != nil {
				v.errs = append(v.errs, err)
				continue
			}
		}
		if f.kind.check != nil {
			f.kind.check(v, f, reflect.ValueOf(s), at, depth)
		}
	}
}

// checkString adapts a check of a text value to kind.check.
func checkString(check func(v *validator, s, path string)) func(*validator, *fieldDef, reflect.Value, string, int) {
	return func(v *validator, _ *fieldDef, val reflect.Value, path string, _ int) {
		check(v, val.String(), path)
	}
}

func checkEnum(v *validator, f *fieldDef, val reflect.Value, path string, _ int) {
	if s := val.String(); !slices.Contains(f.info.Options, s) {
		v.addf(path, "%q is not a %s (use %s)", s, f.noun, choices(f.info.Options))
	}
}

func checkNested(v *validator, _ *fieldDef, val reflect.Value, path string, depth int) {
	v.checkSteps(val.Interface().([]Step), path, depth+1)
}

func (v *validator) checkTemplate(text, path string) {
	v.add(path, templates.Check(text))
}

// checkHTML checks an HTML body: a template whose literal text ccflow can
// render with each value escaped for where it lands (templates.RenderHTML).
func (v *validator) checkHTML(text, path string) {
	v.add(path, templates.CheckHTML(text))
}

func (v *validator) checkDuration(s, path string) {
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

func (v *validator) checkTimeout(s, path string) {
	d, err := durations.Parse(s)
	switch {
	case err != nil:
		v.add(path, err)
	case d <= 0:
		v.addf(path, "%q must be longer than zero", s)
	case d > MaxHTTPTimeout:
		v.addf(path, "%q is longer than %s", s, durations.Format(MaxHTTPTimeout))
	}
}

// checkCondition checks a condition against the variables a run of the
// entry can have (knownVariables), so a typo such as survey.scor is refused
// now rather than deciding a branch weeks later.
func (v *validator) checkCondition(expr, path string) {
	v.add(path, conditions.CheckVariables(expr, v.known))
}

func (v *validator) checkVariableName(name, path string) {
	switch {
	case !templates.ValidName(name):
		v.addf(path, "%q is not a variable name (letters, digits and _, parts joined by dots)", name)
	case vars.IsReserved(name):
		v.addf(path, "%q is reserved: ccflow sets %s", name, strings.Join(vars.Reserved, ", "))
	}
}

// ValidEventName reports whether name can name a scheduled event: 1 to 64
// letters, digits, '_' or '-', the alphabet of step ids, since operators
// type event names into URLs to clear an event.
func ValidEventName(name string) bool { return validStepID(name) }

// checkEventName checks the name of a scheduled event.
func (v *validator) checkEventName(name, path string) {
	if !ValidEventName(name) {
		v.addf(path, "%s must be 1 to %d letters, digits, '_' or '-'", validation.Quote(name), maxStepIDLen)
	}
}

// checkEventTime checks an event time: a template, which must already
// read as a time when it names no variable.
func (v *validator) checkEventTime(text, path string) {
	names, err := templates.Names(text)
	switch {
	case err != nil:
		v.add(path, err)
	case len(names) == 0:
		_, err := ParseEventTime(text)
		v.add(path, err)
	}
}

// checkRequestURL checks a URL. One with variables is only known at run
// time, where the activity checks it again.
func (v *validator) checkRequestURL(raw, path string) {
	names, err := templates.Names(raw)
	switch {
	case err != nil:
		v.add(path, err)
		return
	case len(names) > 0:
		return
	}
	u, err := validation.AbsoluteURL(raw)
	switch {
	case err != nil:
		v.addf(path, "%q %v", raw, err)
	case u.User != nil:
		v.addf(path, "may not hold credentials: entries are not a place for secrets (call the API through a connection)")
	}
}

func (v *validator) checkConnection(name, path string) {
	if !ValidConnectionName(name) {
		v.addf(path, "%q is not a connection name (1 to 64 lower-case letters, digits, '_' or '-')", name)
	}
}

func (v *validator) checkClock(s, path string) {
	if _, err := policy.ParseClock(s); err != nil {
		v.add(path, err)
	}
}

// checkDelay checks a duration that may be zero ("0s", "0").
func (v *validator) checkDelay(s, path string) {
	if s == "0" {
		return
	}
	d, err := durations.Parse(s)
	switch {
	case err != nil:
		v.add(path, err)
	case d > maxDuration:
		v.addf(path, "%q is longer than %d days", s, maxDuration/durations.Day)
	}
}

// checkDays checks the days of a week, each by its name.
func checkDays(v *validator, _ *fieldDef, val reflect.Value, path string, _ int) {
	for i, d := range val.Interface().([]string) {
		at := fmt.Sprintf("%s[%d]", path, i)
		if err := shortLine.Check(at, d); err != nil {
			v.errs = append(v.errs, err)
			continue
		}
		if _, err := policy.ParseDay(d); err != nil {
			v.add(at, err)
		}
	}
}

// MaxPostedEventLen bounds the name of a posted event.
const MaxPostedEventLen = 64

// stepRoots are the variable roots steps set besides ccflow's reserved
// ones: split.<step id> and message.fallback. A posted event's variables
// may not land on them.
var stepRoots = []string{"split", "message"}

// ValidPostedEventName reports whether name can name an event posted to a
// run (POST …/events/{name}) and waited for by wait_for_event: 1 to 64
// letters, digits or '_', starting with a letter or '_' — a simple name,
// since it becomes the root of the variables <name>.received, <name>.at
// and <name>.<field> — and none of the roots ccflow sets.
func ValidPostedEventName(name string) bool {
	if len(name) == 0 || len(name) > MaxPostedEventLen || strings.Contains(name, ".") || !templates.ValidName(name) {
		return false
	}
	return !vars.IsReserved(name) && !slices.Contains(stepRoots, name)
}

func (v *validator) checkPostedEvent(name, path string) {
	if !ValidPostedEventName(name) {
		v.addf(path, "%s is not an event name: 1 to %d letters, digits or '_', starting with a letter, and none of %s",
			validation.Quote(name), MaxPostedEventLen, strings.Join(append(slices.Clone(vars.Reserved), stepRoots...), ", "))
	}
}

// credentialHeaders may not be set in an entry: entries are read by
// operators, stored in versions and copied into workflow history, so
// credentials belong to connections on the server.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

func checkHeaders(v *validator, _ *fieldDef, val reflect.Value, path string, _ int) {
	headers := val.Interface().(map[string]string)
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		at := validation.Join(path, validation.Shorten(name))
		switch {
		case utf8.RuneCountInString(name) > maxHeaderNameLen:
			v.addf(at, "%s is longer than %d characters", validation.Quote(name), maxHeaderNameLen)
		case !httpguts.ValidHeaderFieldName(name):
			v.addf(at, "%q is not a header name", name)
		case slices.ContainsFunc(credentialHeaders, func(c string) bool { return strings.EqualFold(c, name) }):
			v.addf(at, "holds credentials, and entries are not a place for secrets: configure a connection on the server and name it in connection")
		default:
			if err := oneLine.Check(at, headers[name]); err != nil {
				v.errs = append(v.errs, err)
				continue
			}
			v.checkTemplate(headers[name], at)
		}
	}
}

// maxHeaderNameLen bounds a header's name.
const maxHeaderNameLen = 100

// MaxConnectionNameLen bounds the name of a connection.
const MaxConnectionNameLen = 64

// ValidConnectionName reports whether name can name a connection (a named
// internal API configured on the worker): 1 to 64 lower-case letters,
// digits, '_' or '-'.
func ValidConnectionName(name string) bool {
	if len(name) == 0 || len(name) > MaxConnectionNameLen {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}
