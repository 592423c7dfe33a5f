package entry

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/validation"
)

// maxNameLength bounds an entry name, which operators see in run summaries.
const maxNameLength = 200

// Text rules of an entry's own fields: the service becomes a search
// attribute of every run, well below Temporal's 2 KiB.
var (
	nameText        = validation.Line(maxNameLength)
	serviceText     = validation.Line(200)
	dispositionText = validation.Line(200)
)

// maxEntryBytes bounds an entry as JSON: every run carries its entry in its
// workflow history, beside an event of up to 1 MiB, and Temporal refuses
// payloads over 2 MB.
const maxEntryBytes = 256 << 10

// Normalize trims the whitespace around e's single-line fields, the way a
// hand-edited file or form tends to carry it, and gives e the id
// Slug(e.Name) when it has none. Message bodies (text, html, body: the
// fields of the kinds marked body) are kept as written.
func Normalize(e *Entry) {
	e.ID = strings.TrimSpace(e.ID)
	e.Name = strings.TrimSpace(e.Name)
	e.Service = strings.TrimSpace(e.Service)
	e.DefaultLanguage = strings.TrimSpace(e.DefaultLanguage)
	if tag, err := i18n.Parse(e.DefaultLanguage); err == nil {
		e.DefaultLanguage = tag
	}
	if e.ID == "" {
		e.ID = Slug(e.Name)
	}
	for i := range e.Triggers {
		t := &e.Triggers[i]
		t.Type = strings.TrimSpace(t.Type)
		t.Disposition = strings.TrimSpace(t.Disposition)
		t.Operator = strings.TrimSpace(t.Operator)
	}
	normalizeSteps(e.Steps)
	if len(e.QuietHours) == 0 {
		e.QuietHours = nil // {} overrides nothing
	}
	for _, w := range e.QuietHours {
		if w != nil {
			w.Start, w.End = strings.TrimSpace(w.Start), strings.TrimSpace(w.End)
		}
	}
}

// normalizeSteps trims the text fields of every step, nested ones
// included, except message bodies (the kinds whose body flag is set).
func normalizeSteps(steps []Step) {
	for i := range steps {
		s := &steps[i]
		s.ID = strings.TrimSpace(s.ID)
		normalizeSteps(s.OnError)
		switch spec := s.Spec.(type) {
		case nil:
			continue
		case *UnknownStep:
			spec.Type = strings.TrimSpace(spec.Type)
			continue
		}
		def := stepDefOf(s.Spec)
		if def == nil {
			continue
		}
		v := reflect.ValueOf(s.Spec).Elem()
		for _, f := range def.fields {
			switch fv := v.Field(f.index); {
			case f.goType == textType:
				fv.Set(reflect.ValueOf(fv.Interface().(Text).normalized(!f.kind.body)))
			case f.kind.goType == stringType && !f.kind.body:
				fv.SetString(strings.TrimSpace(fv.String()))
			case f.kind.goType == stringsType:
				// Day names, written as a person might: " Mon".
				for i, d := range fv.Interface().([]string) {
					fv.Index(i).SetString(strings.ToLower(strings.TrimSpace(d)))
				}
			case f.kind.goType == branchesType:
				for i, b := range fv.Interface().([]Branch) {
					fv.Index(i).FieldByName("ID").SetString(strings.TrimSpace(b.ID))
					normalizeSteps(b.Steps)
				}
			case f.kind.nested:
				for _, list := range f.kind.lists(fv) {
					normalizeSteps(list)
				}
			}
		}
	}
}

// Validate reports every problem with e (after Normalize) against the
// disposition catalog c, as validation.Errors in the order found, or nil.
func Validate(e Entry, c Catalog) error {
	v := &validator{catalog: c, stepIDs: map[string]string{}, known: knownVariables(e.Steps), defaultLanguage: e.Language()}
	v.checkID(e.ID)
	if e.DefaultLanguage != "" {
		if _, err := i18n.Parse(e.DefaultLanguage); err != nil {
			v.addf("default_language", "%s", err)
		}
	}
	if e.Name == "" {
		v.addf("name", "is required")
	} else {
		v.checkText("name", e.Name, nameText)
	}
	v.checkText("service", e.Service, serviceText)
	if len(e.Triggers) == 0 {
		v.addf("triggers", "at least one trigger is required")
	}
	for i, t := range e.Triggers {
		v.checkTrigger(t, fmt.Sprintf("triggers[%d]", i))
	}
	if len(e.Steps) == 0 {
		v.addf("steps", "at least one step is required")
	}
	v.checkSteps(e.Steps, "steps", 1)
	v.errs = append(v.errs, e.QuietHours.Check("quiet_hours")...)
	if p := e.SamplePercent; p != nil && (*p < 1 || *p > 100) {
		v.addf("sample_percent", "%d is not a percentage from 1 to 100 (leave it out to start a run for every match)", *p)
	}
	if v.stepCount > maxSteps {
		v.addf("steps", "has %d steps in all (nested ones included); at most %d are allowed", v.stepCount, maxSteps)
	}
	if len(v.errs) == 0 {
		if data, err := json.Marshal(e.Definition()); err == nil && len(data) > maxEntryBytes {
			v.addf("steps", "are %d KiB as JSON; an entry is at most %d KiB, as every run carries it in its history",
				len(data)>>10, maxEntryBytes>>10)
		}
	}
	return v.errs.Err()
}

// checkText checks a text field against its rule.
func (v *validator) checkText(path, s string, rule validation.Text) bool {
	if err := rule.Check(path, s); err != nil {
		v.errs = append(v.errs, err)
		return false
	}
	return true
}

// validator collects the problems of one entry.
type validator struct {
	catalog   Catalog
	errs      validation.Errors
	stepIDs   map[string]string // step id -> path of the step that has it
	stepCount int
	// known are the variables whose fields are all known, for conditions.
	known conditions.Known
	// defaultLanguage is the entry's default_language, which every text
	// written per language must have.
	defaultLanguage string
}

func (v *validator) addf(path, format string, args ...any) {
	v.errs = append(v.errs, validation.Errorf(path, format, args...))
}

// add records err, if any, as a problem of the field at path.
func (v *validator) add(path string, err error) {
	if err != nil {
		v.addf(path, "%s", err)
	}
}

// checkID keeps entry ids safe inside a workflow ID "<entry_id>/<interaction_id>"
// and in URLs: lower case, no '/', no leading punctuation.
func (v *validator) checkID(id string) {
	const path = "id"
	switch {
	case id == "":
		v.addf(path, "is required (or give a name to derive it from)")
		return
	case len(id) > maxIDLength:
		v.addf(path, "%q is longer than %d characters", id, maxIDLength)
		return
	}
	for i, c := range id {
		lowerOrDigit := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		if !lowerOrDigit && (i == 0 || (c != '-' && c != '_' && c != '.')) {
			v.addf(path, "%q must start with a lower-case letter or digit and hold only those, '-', '_' and '.'", id)
			return
		}
	}
}

var triggerTypes = []string{TriggerDisposition, TriggerCaseDisposition, TriggerAverageSentiment}

func (v *validator) checkTrigger(t Trigger, path string) {
	at := func(field string) string { return validation.Join(path, field) }
	// Values too long or not text get no other check: the messages below
	// repeat them.
	if !v.checkText(at("type"), t.Type, shortLine) || !v.checkText(at("operator"), t.Operator, shortLine) ||
		!v.checkText(at("disposition"), t.Disposition, dispositionText) {
		return
	}
	notHere := func(field string, set bool) {
		if set {
			v.addf(at(field), "not a field of %s triggers", t.Type)
		}
	}
	switch t.Type {
	case TriggerDisposition:
		notHere("operator", t.Operator != "")
		notHere("threshold", t.Threshold != nil)
		switch {
		case t.Disposition == "":
			v.addf(at("disposition"), "is required (one of %s)", quoteAll(v.catalog.Interaction))
		case !slices.Contains(v.catalog.Interaction, t.Disposition):
			v.addf(at("disposition"), "%q is not in the disposition catalog (%s)", t.Disposition, quoteAll(v.catalog.Interaction))
		}
	case TriggerCaseDisposition:
		notHere("operator", t.Operator != "")
		notHere("threshold", t.Threshold != nil)
		switch {
		case t.Disposition == "":
			v.addf(at("disposition"), "is required (one of %s)", quoteAll(v.catalog.Case))
		case !slices.Contains(v.catalog.Case, t.Disposition):
			v.addf(at("disposition"), "%q is not accepted: only non-final case dispositions are (%s)", t.Disposition, quoteAll(v.catalog.Case))
		}
	case TriggerAverageSentiment:
		notHere("disposition", t.Disposition != "")
		if t.Operator != "<" && t.Operator != ">" {
			v.addf(at("operator"), "%q is not an operator (use \"<\" or \">\")", t.Operator)
		}
		switch th := t.Threshold; {
		case th == nil:
			v.addf(at("threshold"), "is required (a number between -1 and 1)")
		case math.IsNaN(*th) || *th < -1 || *th > 1:
			v.addf(at("threshold"), "%v is not between -1 and 1", *th)
		}
	case "":
		v.addf(at("type"), "is required (one of %s)", strings.Join(triggerTypes, ", "))
	default:
		v.addf(at("type"), "%q is not a trigger type (use one of %s)", t.Type, strings.Join(triggerTypes, ", "))
	}
}

// quoteAll lists names for a message: "A", "B", "C".
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
