package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
)

// places says where each path of an entry built from a draft came from, so
// that a problem the use case reports at "steps[2].then[0].duration" is
// shown beside that block's Duration.
type places struct {
	blocks   map[string]*block // "steps[2].then[0]" -> block
	triggers []*triggerDraft   // by index
}

// entry builds the entry the draft describes, through the same decoder
// the API reads entries with (entry.Decode), so the console can store
// nothing the API would not. Problems of the form itself (a header line
// that is not "Name: value", a threshold that is no number) come back as
// field errors at the paths the API would name.
func (d *draft) entry() (entry.Entry, *places, error) {
	p := &places{blocks: map[string]*block{}, triggers: d.Triggers}
	var formErrs validation.Errors
	obj := map[string]any{
		"name":    d.Name,
		"enabled": d.Enabled,
	}
	if d.ID != "" {
		obj["id"] = d.ID
	}
	if service := d.service(); service != "" {
		obj["service"] = service
	}
	if d.CancelOnNew {
		obj["cancel_on_new_interaction"] = true
	}
	if d.DefaultLanguage != "" {
		obj["default_language"] = d.DefaultLanguage
	}
	quiet := map[string]any{}
	for _, ch := range policy.Channels {
		if w, ok := d.Quiet[ch].json(); ok {
			quiet[ch] = w
		}
	}
	if len(quiet) > 0 {
		obj["quiet_hours"] = quiet
	}
	if d.SamplePercent != "" {
		n, err := strconv.Atoi(d.SamplePercent)
		if err != nil {
			formErrs = append(formErrs, validation.Errorf(fieldSample, "%q is not a whole number from 1 to 100", d.SamplePercent))
		} else {
			obj[fieldSample] = n
		}
	}
	triggers := make([]map[string]any, 0, len(d.Triggers))
	for i, t := range d.Triggers {
		tj, err := t.json(fmt.Sprintf("triggers[%d]", i))
		if err != nil {
			formErrs = append(formErrs, err)
		}
		triggers = append(triggers, tj)
	}
	obj["triggers"] = triggers
	steps, errs := buildSteps(d.Steps, rootList, p, d.defaultLanguage())
	formErrs = append(formErrs, errs...)
	obj["steps"] = steps
	if len(formErrs) > 0 {
		return entry.Entry{}, p, formErrs
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return entry.Entry{}, p, fmt.Errorf("console: encoding the draft: %w", err)
	}
	e, err := entry.Decode(data)
	return e, p, err
}

// service is the service the draft names: the one chosen, or the one typed
// in for another service.
func (d *draft) service() string {
	if d.Service == otherService {
		return strings.TrimSpace(d.NewService)
	}
	return strings.TrimSpace(d.Service)
}

// json is the trigger as the API takes it; path is where it is.
func (t *triggerDraft) json(path string) (map[string]any, *validation.FieldError) {
	obj := map[string]any{"type": t.Type}
	switch t.Type {
	case entry.TriggerDisposition:
		obj["disposition"] = t.Disposition
	case entry.TriggerCaseDisposition:
		obj["disposition"] = t.CaseDisposition
	case entry.TriggerAverageSentiment:
		obj["operator"] = t.Operator
		if t.Percent != "" {
			pct, err := strconv.ParseFloat(t.Percent, 64)
			if err != nil || math.IsNaN(pct) || math.IsInf(pct, 0) {
				return obj, validation.Errorf(path+".threshold", "%q is not a percentage between -100 and 100", t.Percent)
			}
			obj["threshold"] = pct / 100
		}
	}
	return obj, nil
}

// buildSteps turns blocks into the JSON of steps, noting in p where each
// came from; path is the list's path ("steps", "steps[2].then"), def the
// entry's default language, that of a localized field's first box.
func buildSteps(blocks []*block, path string, p *places, def string) ([]any, validation.Errors) {
	steps := make([]any, 0, len(blocks))
	var errs validation.Errors
	for i, b := range blocks {
		at := fmt.Sprintf("%s[%d]", path, i)
		p.blocks[at] = b
		obj := map[string]any{}
		if !b.known() {
			if err := json.Unmarshal([]byte(b.Raw), &obj); err != nil || obj == nil {
				obj = map[string]any{}
			}
		}
		obj["type"] = b.Type
		if b.ID != "" {
			obj["id"] = b.ID
		}
		if b.known() {
			for _, f := range valueFields(b.Type) {
				v := b.Values[f.Name]
				if langs := b.Langs[f.Name]; f.Localized && len(langs) > 0 {
					// Written per language: the first box is the default
					// language's, left out when empty so validation
					// says it is missing; each other box is kept, an
					// empty one to be said empty.
					texts := map[string]string{}
					if strings.TrimSpace(v) != "" {
						texts[def] = v
					}
					for _, l := range langs {
						texts[l.Tag] = l.Text
					}
					obj[f.Name] = texts
					continue
				}
				if strings.TrimSpace(v) == "" {
					continue // an empty field says nothing, as in an entry file
				}
				if f.Kind == kindHeaders {
					headers, err := parseHeaders(v, validation.Join(at, f.Name))
					if err != nil {
						errs = append(errs, err)
						continue
					}
					obj[f.Name] = headers
					continue
				}
				if f.Kind == kindDays {
					obj[f.Name] = splitDays(v)
					continue
				}
				obj[f.Name] = v
			}
		}
		for _, f := range listFields(b.Type) {
			nested := b.Lists[f.Name]
			if len(nested) == 0 {
				continue
			}
			var children []any
			var childErrs validation.Errors
			if f.Kind == kindBranches {
				children, childErrs = buildBranches(nested, validation.Join(at, f.Name), p, def)
			} else {
				children, childErrs = buildSteps(nested, validation.Join(at, f.Name), p, def)
			}
			errs = append(errs, childErrs...)
			obj[f.Name] = children
		}
		steps = append(steps, obj)
	}
	return steps, errs
}

// buildBranches turns branch blocks into the JSON of a split's branches,
// noting in p where each came from; a weight that is no whole number is a
// problem of the form, at the path the API would name.
func buildBranches(blocks []*block, path string, p *places, def string) ([]any, validation.Errors) {
	branches := make([]any, 0, len(blocks))
	var errs validation.Errors
	for i, b := range blocks {
		at := fmt.Sprintf("%s[%d]", path, i)
		p.blocks[at] = b
		obj := map[string]any{}
		if b.ID != "" {
			obj["id"] = b.ID
		}
		if w := strings.TrimSpace(b.Values[kindWeight]); w != "" {
			n, err := strconv.Atoi(w)
			if err != nil {
				errs = append(errs, validation.Errorf(validation.Join(at, kindWeight), "%q is not a whole percentage from 1 to 99", w))
			} else {
				obj[kindWeight] = n
			}
		}
		if steps := b.Lists["steps"]; len(steps) > 0 {
			children, childErrs := buildSteps(steps, validation.Join(at, "steps"), p, def)
			errs = append(errs, childErrs...)
			obj["steps"] = children
		}
		branches = append(branches, obj)
	}
	return branches, errs
}

// splitDays reads the days the form's boxes give, joined by commas.
func splitDays(v string) []string {
	var days []string
	for d := range strings.SplitSeq(v, ",") {
		if d = strings.TrimSpace(d); d != "" {
			days = append(days, d)
		}
	}
	return days
}

// parseHeaders reads headers written one "Name: value" per line.
func parseHeaders(text, path string) (map[string]string, *validation.FieldError) {
	headers := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, validation.Errorf(path, "line %d, %q, is not a header: write one per line as Name: value", i+1, strings.TrimSpace(line))
		}
		headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return headers, nil
}

// formatPercent writes a threshold as the slider's percentage: 0.51 is
// "51", without the float noise of 0.51*100.
func formatPercent(threshold float64) string {
	return strconv.FormatFloat(math.Round(threshold*100*1e6)/1e6, 'f', -1, 64)
}

// place shows the problems of err (validation errors of the entry built
// from the draft, as the use case or the decoder reported them) beside the
// fields they name, and lists them in the summary. It returns false when
// err holds no field problem, for the caller to show it otherwise.
func (d *draft) place(err error, p *places) bool {
	var all validation.Errors
	if !asFieldErrors(err, &all) {
		return false
	}
	for _, fe := range all {
		if fe.Path == "id" && d.ID == "" && strings.TrimSpace(d.Name) == "" {
			continue // a new entry's id comes from its name, whose own problem says it
		}
		target, where := d.locate(fe.Path, p)
		d.addError(target, where, fe.Message)
	}
	return true
}

// asFieldErrors collects the field errors inside err.
func asFieldErrors(err error, into *validation.Errors) bool {
	var list validation.Errors
	if errors.As(err, &list) && len(list) > 0 {
		*into = list
		return true
	}
	if fe := validation.First(err); fe != nil {
		*into = validation.Errors{fe}
		return true
	}
	return false
}

// addError shows message at target and in the summary.
func (d *draft) addError(target, where, message string) {
	if d.Errors == nil {
		d.Errors = map[string][]string{}
	}
	d.Errors[target] = append(d.Errors[target], message)
	d.Summary = append(d.Summary, summaryItem{Where: where, Message: message, Anchor: "#" + anchorOf(target)})
}

// locate finds where a problem at path goes: the key of the field to show
// it at, and how the summary names that place. It opens what must be open
// for the field to show.
func (d *draft) locate(path string, p *places) (target, where string) {
	switch {
	case path == "name" || path == "id":
		// A new entry's id comes from its name.
		return fieldName, "Name"
	case path == "service":
		return fieldService, "Service"
	case path == "enabled":
		return fieldEnabled, "Enabled"
	case path == "triggers":
		return "triggers", "Triggers"
	case path == "cancel_on_new_interaction":
		return fieldCancelOnNew, policyLabel(path)
	case path == fieldDefaultLanguage:
		return fieldDefaultLanguage, "Default language"
	case path == fieldSample:
		return fieldSample, "Sample"
	case path == "quiet_hours" || strings.HasPrefix(path, "quiet_hours."):
		return quietTarget(path), policyLabel("quiet_hours")
	case strings.HasPrefix(path, "triggers["):
		i, rest := indexAndRest(strings.TrimPrefix(path, "triggers["))
		if i < 0 || i >= len(p.triggers) {
			return "triggers", "Triggers"
		}
		t := p.triggers[i]
		t.Editing = true
		where = fmt.Sprintf("Trigger %d", i+1)
		switch field, _, _ := strings.Cut(rest, "."); field {
		case "disposition":
			if t.Type == entry.TriggerCaseDisposition {
				return t.Key + ".case_disposition", where + " · Disposition"
			}
			return t.Key + ".disposition", where + " · Disposition"
		case "operator":
			return t.Key + ".operator", where + " · Operator"
		case "threshold":
			return t.Key + ".percent", where + " · Threshold"
		case "type":
			return t.Key + ".type", where + " · Type"
		}
		return t.Key, where
	case strings.HasPrefix(path, rootList):
		// The longest block path the problem's path starts with.
		best := ""
		for bp := range p.blocks {
			if (path == bp || strings.HasPrefix(path, bp+".")) && len(bp) > len(best) {
				best = bp
			}
		}
		if best == "" {
			return "scenario", "Scenario"
		}
		b := p.blocks[best]
		where = d.blockName(b)
		rest := strings.TrimPrefix(strings.TrimPrefix(path, best), ".")
		field := rest
		if i := strings.IndexAny(rest, ".["); i >= 0 {
			field = rest[:i]
		}
		switch {
		case field == "":
			b.Open = true
			return b.Key, where
		case field == "id":
			b.Open = true
			return b.Key + ".id", where + " · " + labelOf(idFields(b.Type), "id")
		case hasListField(b.Type, field):
			b.Open = true // an empty on_error list shows in an open block only
			return b.Key + "." + field, where + " · " + labelOf(listFields(b.Type), field)
		case slices.ContainsFunc(valueFields(b.Type), func(f entry.StepField) bool { return f.Name == field }):
			b.Open = true
			return b.Key + "." + field, where + " · " + labelOf(valueFields(b.Type), field)
		}
		b.Open = true
		return b.Key, where
	}
	return "form", "Entry"
}

// quietTarget is where a problem of a quiet_hours path goes:
// "quiet_hours.sms.start" at "quiet.sms.start".
func quietTarget(path string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(path, "quiet_hours"), ".")
	if rest == "" {
		return "quiet"
	}
	return "quiet." + rest
}

// policyLabel is the label of an entry-level policy field.
func policyLabel(name string) string {
	for _, f := range entry.PolicyFields() {
		if f.Name == name {
			return f.Label
		}
	}
	return name
}

// indexAndRest reads "2].then[0].x" as 2 and "then[0].x".
func indexAndRest(s string) (int, string) {
	num, rest, ok := strings.Cut(s, "]")
	i, err := strconv.Atoi(num)
	if !ok || err != nil {
		return -1, ""
	}
	return i, strings.TrimPrefix(rest, ".")
}

// labelOf is the label of the field called name among fields.
func labelOf(fields []entry.StepField, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.Label
		}
	}
	return name
}

// anchorOf is the id of the element a target's problem is shown at.
func anchorOf(target string) string {
	return "f-" + strings.ReplaceAll(target, ".", "-")
}

// blockName names a block for people: "Step 3 · Wait", or "Step 3 › Then 2
// · Send SMS" for the second step of the Then list of step 3.
func (d *draft) blockName(target *block) string {
	name := ""
	var visit func(prefix string, blocks []*block) bool
	visit = func(prefix string, blocks []*block) bool {
		for i, b := range blocks {
			number := prefix + strconv.Itoa(i+1)
			if b == target {
				name = "Step " + number + " · " + typeLabel(b.Type)
				return true
			}
			for _, f := range listFields(b.Type) {
				if visit(number+" › "+f.Label+" ", b.Lists[f.Name]) {
					return true
				}
			}
		}
		return false
	}
	visit("", d.Steps)
	return name
}

// idFields are the fields that hold a block's id: a step's, or a
// branch's.
func idFields(typ string) []entry.StepField {
	if typ == branchType {
		return branchFields
	}
	return commonFields
}

// typeLabel is how the palette names a step type.
func typeLabel(typ string) string {
	if t, ok := stepTypes[typ]; ok {
		return t.Label
	}
	if typ == branchType {
		return "Branch"
	}
	if typ == "" {
		return "Step without a type"
	}
	return "Unknown step type " + strconv.Quote(typ)
}
