package entry

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// A step type is defined once, in its file step_<type>.go: a struct whose
// fields are the step's fields, registered by define in the file's init.
// Each field declares itself in struct tags:
//
//	Subject string `json:"subject" kind:"template" required:"true" label:"Subject" help:"The subject line."`
//
//   - json: its name in JSON and YAML.
//   - kind: what it holds, one of the kinds of kinds.go, which says how it
//     is decoded, trimmed, checked and shown in a form.
//   - required: "true" when it may not be empty, reported in its kind's
//     words; any other value is the message to report instead.
//   - options and noun, for kind enum only: the values allowed, separated
//     by commas, and what a wrong value is not ("survey channel").
//   - label and help: what a form shows.
//
// define turns the tags into the tables below once; decoding, Normalize,
// Validate, MarshalJSON and StepTypes all read those tables, so nothing
// else lists a type or its fields. Rules that span several fields are the
// type's check method, in the same file.

// StepType describes a step type for forms such as the console's scenario
// builder.
type StepType struct {
	// Type is the name steps give in their type field, e.g. "send_email".
	Type  string `json:"type"`
	Label string `json:"label"`
	Help  string `json:"help"`
	// Group is where a form's palette offers the type, one of StepGroups.
	Group string `json:"group"`
	// Fields are the type's own fields in the order a form shows them;
	// every step also has CommonStepFields.
	Fields []StepField `json:"fields"`
}

// StepField describes one field of a step for forms.
type StepField struct {
	// Name is the field's JSON name.
	Name  string `json:"name"`
	Label string `json:"label"`
	Help  string `json:"help"`
	// Kind says what the field holds, such as template, duration or steps.
	Kind     string `json:"kind"`
	Required bool   `json:"required"`
	// Options are the values an enum field takes, or the elements of a
	// list field (the days of a week).
	Options []string `json:"options,omitempty"`
	// Localized marks a text a customer reads, which may be written per
	// language (a Text): the form offers a box per language.
	Localized bool `json:"localized,omitempty"`
}

// stepDef is one registered step type.
type stepDef struct {
	info   StepType
	fields []*fieldDef
	byName map[string]*fieldDef
	// newSpec makes an empty Spec of the type.
	newSpec func() Spec
}

// fieldDef is one field of a step type, as its tags declare it.
type fieldDef struct {
	info  StepField
	index int
	kind  *kind
	// goType is the field's Go type: its kind's, or Text for a localized
	// field of a kind that may be (kind.localizable).
	goType reflect.Type
	// required is what an empty required field reports; "" when the
	// field is optional.
	required string
	// noun is what a value outside an enum's options is not.
	noun string
}

var (
	// stepDefs holds the step types by name, stepDefsByGo by the Go type
	// of their Spec (a pointer to the struct).
	stepDefs     = map[string]*stepDef{}
	stepDefsByGo = map[reflect.Type]*stepDef{}
	// stepFieldTypes maps every field name of any step type to its Go
	// type, so a key of another type, or of a step whose type is unknown,
	// is still read and type-checked.
	stepFieldTypes = map[string]reflect.Type{}
)

// The groups a form's palette offers the step types in, in the order of
// StepGroups; within a group, the types come by name. A step type's file
// names its group when it defines it (inGroup); one that names none comes
// last, under GroupOther.
const (
	GroupSurveys   = "Surveys"
	GroupMessages  = "Messages"
	GroupWaiting   = "Waiting"
	GroupBranching = "Branching"
	GroupEvents    = "Events"
	GroupData      = "Data"
	GroupOther     = "Other"
)

// StepGroups lists the palette's groups in the order a form shows them.
func StepGroups() []string {
	return []string{GroupSurveys, GroupMessages, GroupWaiting, GroupBranching, GroupEvents, GroupData, GroupOther}
}

// stepOption adds to what define registers of a step type.
type stepOption func(*StepType)

// inGroup files the step type under group in a form's palette.
func inGroup(group string) stepOption {
	return func(t *StepType) { t.Group = group }
}

// commonFieldNames are the keys every step has, outside its Spec.
var commonFieldNames = []string{"id", "type", "on_error"}

// define registers the step type S (whose pointer implements Spec) under
// name, with the label and help a form shows, and opts (inGroup). It
// panics on a tag it cannot read: that is a programming error every test
// run reveals.
func define[S any, P interface {
	*S
	Spec
}](name, label, help string, opts ...stepOption) {
	t := reflect.TypeFor[S]()
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("entry: step type %q (%s): %s", name, t, fmt.Sprintf(format, args...)))
	}
	if name == "" || stepDefs[name] != nil {
		fail("has no name, or one another type has")
	}
	def := &stepDef{
		info:    StepType{Type: name, Label: label, Help: help, Group: GroupOther},
		byName:  map[string]*fieldDef{},
		newSpec: func() Spec { return P(new(S)) },
	}
	for _, opt := range opts {
		opt(&def.info)
	}
	if !slices.Contains(StepGroups(), def.info.Group) {
		fail("group %q is none of StepGroups", def.info.Group)
	}
	for i := range t.NumField() {
		f, err := parseField(t.Field(i), i)
		if err != nil {
			fail("%v", err)
		}
		switch other, seen := stepFieldTypes[f.info.Name]; {
		case slices.Contains(commonFieldNames, f.info.Name):
			fail("field %s: every step has it already", f.info.Name)
		case def.byName[f.info.Name] != nil:
			fail("field %s: declared twice", f.info.Name)
		case seen && other != f.goType:
			// A step is one flat object: a name means one JSON type in
			// every step type, or a key of another type could not be read.
			fail("field %s: another step type has it as a %s", f.info.Name, other)
		}
		stepFieldTypes[f.info.Name] = f.goType
		def.fields = append(def.fields, f)
		def.byName[f.info.Name] = f
		def.info.Fields = append(def.info.Fields, f.info)
	}
	stepDefs[name] = def
	stepDefsByGo[reflect.TypeFor[P]()] = def
}

// parseField reads the tags of field number i of a step struct.
func parseField(sf reflect.StructField, i int) (*fieldDef, error) {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return nil, fmt.Errorf("field %s has no json name", sf.Name)
	}
	k := kinds[sf.Tag.Get("kind")]
	localized := k != nil && k.localizable && sf.Type == textType
	switch {
	case k == nil:
		return nil, fmt.Errorf("field %s: %q is not a kind (see kinds.go)", name, sf.Tag.Get("kind"))
	case sf.Type != k.goType && !localized:
		return nil, fmt.Errorf("field %s: kind %s holds a %s, not a %s", name, sf.Tag.Get("kind"), k.goType, sf.Type)
	}
	f := &fieldDef{
		info: StepField{
			Name: name, Label: sf.Tag.Get("label"), Help: sf.Tag.Get("help"), Kind: sf.Tag.Get("kind"), Localized: localized,
		},
		index:  i,
		kind:   k,
		goType: sf.Type,
		noun:   sf.Tag.Get("noun"),
	}
	if opts := sf.Tag.Get("options"); opts != "" {
		f.info.Options = strings.Split(opts, ",")
	}
	if (len(f.info.Options) > 0 || f.noun != "") != k.enum {
		return nil, fmt.Errorf("field %s: options and noun are for enum fields, and enum fields need them", name)
	}
	if k.options != nil {
		f.info.Options = slices.Clone(k.options) // the values of the kind's elements, for forms
	}
	switch req := sf.Tag.Get("required"); req {
	case "":
	case "true":
		f.required = k.required
		if k.enum {
			f.required = "is required (" + choices(f.info.Options) + ")"
		}
	default:
		f.required = req
	}
	f.info.Required = f.required != ""
	return f, nil
}

// optionsOf reads the options of S's enum field called name from its tags,
// for constants other packages use (HTTPMethods). It reads the tag rather
// than the registry, which init fills only after package variables.
func optionsOf[S any](name string) []string {
	for sf := range reflect.TypeFor[S]().Fields() {
		if n, _, _ := strings.Cut(sf.Tag.Get("json"), ","); n == name {
			return strings.Split(sf.Tag.Get("options"), ",")
		}
	}
	panic(fmt.Sprintf("entry: %s has no field %s", reflect.TypeFor[S](), name))
}

// stepDefOf is the registered type of spec, or nil.
func stepDefOf(spec Spec) *stepDef {
	return stepDefsByGo[reflect.TypeOf(spec)]
}

// StepTypes describes every step type, sorted by name, for forms.
func StepTypes() []StepType {
	var out []StepType
	for _, name := range stepTypeNames() {
		t := stepDefs[name].info
		t.Fields = slices.Clone(t.Fields)
		for i := range t.Fields {
			t.Fields[i].Options = slices.Clone(t.Fields[i].Options)
		}
		out = append(out, t)
	}
	return out
}

// CommonStepFields describes the fields every step has besides its type's
// (id and on_error), read from Step's own tags.
func CommonStepFields() []StepField {
	var out []StepField
	for sf := range reflect.TypeFor[Step]().Fields() {
		if sf.Tag.Get("kind") == "" {
			continue
		}
		f, err := parseField(sf, sf.Index[0])
		if err != nil {
			panic(errors.New("entry: Step: " + err.Error()))
		}
		out = append(out, f.info)
	}
	return out
}

// NewSpec returns an empty Spec of the step type called name, such as
// &SendEmail{} for "send_email", and whether there is such a type.
func NewSpec(name string) (Spec, bool) {
	def := stepDefs[name]
	if def == nil {
		return nil, false
	}
	return def.newSpec(), true
}

// stepTypeNames lists the registered step types, sorted.
func stepTypeNames() []string {
	return slices.Sorted(maps.Keys(stepDefs))
}

// choices lists the values an enum takes for a message: "email or sms",
// "one of GET, POST, PUT".
func choices(options []string) string {
	if len(options) == 2 {
		return options[0] + " or " + options[1]
	}
	return "one of " + strings.Join(options, ", ")
}

// isEmpty reports whether a field holds nothing: such a field is left out
// of JSON, and a required one is reported.
func isEmpty(v reflect.Value) bool {
	if v.Type() == textType {
		return v.Interface().(Text).IsEmpty()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String() == ""
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}
