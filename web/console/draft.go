package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/policy"
)

// A draft is the entry screen's form: the entry being edited, as the form
// holds it from one post to the next. Every change on the screen (add a
// trigger, add, move or remove a block) posts the whole draft with the
// change asked for, and the server answers the draft changed; only Save
// turns it into an entry and stores it, all of it or nothing.
//
// The form names blocks and triggers by keys ("b7", "t2") that stay the
// same while the draft is edited, not by their places: a block's fields are
// "b7.type", "b7.id", "b7.f.<field>", and its place is one hidden
// "block" value, "<list>/b7", where the list is "steps" (the main steps) or
// "<parent key>.<field>" (such as "b3.then"). A list's order is the order
// of its "block" values in the form, which is the order of the blocks on
// the page: so dragging a block is moving its element, and moving it to
// another list is changing its one hidden value, with nothing to
// renumber. Triggers are listed in "trigger" values likewise.

// Names of the form's fields that are not a block's or a trigger's.
const (
	fieldName       = "name"
	fieldService    = "service"
	fieldNewService = "new_service"
	fieldEnabled    = "enabled"
	fieldVersion    = "version"
	fieldTrigger    = "trigger"
	fieldBlock      = "block"
	fieldOp         = "op"
	fieldTarget     = "target"
	fieldDrop       = "drop"
	// fieldCancelOnNew is the entry's cancel_on_new_interaction.
	fieldCancelOnNew = "cancel_on_new_interaction"
	// fieldDefaultLanguage is the entry's default_language.
	fieldDefaultLanguage = "default_language"
	// fieldSample is the entry's sample_percent.
	fieldSample = "sample_percent"
	// rootList is the list of the entry's own steps.
	rootList = "steps"
	// otherService is the Service option that reveals a box for a service
	// no entry names yet.
	otherService = "+other"
)

// Bounds on a posted draft, well above what an entry may hold (Validate
// allows 200 steps), so a form that passes them is worth reading.
const (
	maxDraftBlocks   = 500
	maxDraftTriggers = 100
	// maxDraftLanguages bounds the languages of one text field.
	maxDraftLanguages = 50
)

var (
	blockKey   = regexp.MustCompile(`^b[0-9]{1,6}$`)
	triggerKey = regexp.MustCompile(`^t[0-9]{1,6}$`)
)

// draft is the entry being edited.
type draft struct {
	// ID is the entry's id; "" for a new entry, whose id the name gives.
	ID string
	// Version is the version the draft was loaded from: Save stores the
	// draft only while the entry is still at it. 0 for a new entry.
	Version    int
	Name       string
	Service    string
	NewService string
	Enabled    bool
	Triggers   []*triggerDraft
	Steps      []*block
	// CancelOnNew and Quiet are the entry's own contact policy:
	// cancel_on_new_interaction and quiet_hours, by channel.
	CancelOnNew bool
	Quiet       map[string]*quietDraft
	// DefaultLanguage is the entry's default_language as the form holds
	// it ("" for en): the language of each text's first box.
	DefaultLanguage string
	// SamplePercent is sample_percent as typed; "" is every match.
	SamplePercent string

	// Errors are the problems to show, by where they go: "name",
	// "service", "triggers", "steps", "t2.percent", "b7.duration",
	// "b7.then", "b7" (the block as a whole).
	Errors map[string][]string
	// Summary lists every problem at the top of the form, linked to its
	// place.
	Summary []summaryItem
	// Focus is the id of the element to focus when the page shows: the
	// control the last change concerns.
	Focus string

	// lastKey is the highest number of any key given out.
	lastKey int
}

// summaryItem is one problem in the summary.
type summaryItem struct {
	Where   string
	Message string
	Anchor  string
}

// quietDraft is a channel's sending window as a form holds it.
type quietDraft struct {
	// Mode is quietInherit (the contact policy's window: the entry says
	// nothing), quietAnyTime (null: any time) or quietWindow.
	Mode  string
	Start string
	End   string
}

// Modes of a quietDraft.
const (
	quietInherit = ""
	quietAnyTime = "any"
	quietWindow  = "window"
)

// quietFromWindow is the form of a window a document holds for a channel.
func quietFromWindow(w *policy.Window) *quietDraft {
	if w == nil {
		return &quietDraft{Mode: quietAnyTime}
	}
	return &quietDraft{Mode: quietWindow, Start: w.Start, End: w.End}
}

// json is the window as documents hold it; ok is false when the form
// leaves the channel to the level below.
func (q *quietDraft) json() (any, bool) {
	switch {
	case q == nil || q.Mode == quietInherit:
		return nil, false
	case q.Mode == quietWindow:
		return map[string]string{"start": strings.TrimSpace(q.Start), "end": strings.TrimSpace(q.End)}, true
	}
	return nil, true // any time
}

// parseQuiet reads the windows of a form, field names prefixed "quiet.".
func parseQuiet(form url.Values) map[string]*quietDraft {
	out := map[string]*quietDraft{}
	for _, ch := range policy.Channels {
		q := &quietDraft{Mode: form.Get("quiet." + ch + ".mode"), Start: form.Get("quiet." + ch + ".start"), End: form.Get("quiet." + ch + ".end")}
		if q.Mode != quietAnyTime && q.Mode != quietWindow {
			q.Mode = quietInherit
		}
		out[ch] = q
	}
	return out
}

// triggerDraft is one trigger of the draft. The three types keep their own
// fields, so switching the type back and forth loses nothing.
type triggerDraft struct {
	Key             string
	Type            string
	Disposition     string
	CaseDisposition string
	Operator        string
	// Percent is the slider's value, the threshold times 100, as text.
	Percent string
	// Editing shows the trigger's fields; an applied trigger (the check
	// mark) is shown in words.
	Editing bool
}

// block is one step of the draft.
type block struct {
	Key  string
	Type string
	ID   string
	// Values holds the step's own fields that are not lists of steps, as
	// the form shows them (headers as "Name: value" lines); a text a
	// customer reads (a localized field) holds its text in the entry's
	// default language here, and its other languages in Langs.
	Values map[string]string
	// Langs holds the other languages of localized fields by field name,
	// in the order the form shows them.
	Langs map[string][]*variant
	// Lists holds the nested lists of steps by field name: the type's
	// fields of kind steps, and on_error.
	Lists map[string][]*block
	// Raw keeps a step of a type this version does not know, as JSON, so
	// that editing the rest of the entry does not lose it.
	Raw string
	// Open shows the block's form.
	Open bool
}

// variant is a localized field's text in one language besides the
// entry's default.
type variant struct {
	Tag  string
	Text string
}

// stepTypes are the step model's descriptors by type name, and stepOrder
// their names in the order of the palette.
var (
	stepTypes = func() map[string]entry.StepType {
		m := map[string]entry.StepType{}
		for _, t := range entry.StepTypes() {
			m[t.Type] = t
		}
		return m
	}()
	commonFields = entry.CommonStepFields()
)

// onErrorField is the common field that lists a step's on_error steps.
var onErrorField = func() entry.StepField {
	for _, f := range commonFields {
		if f.Kind == kindSteps {
			return f
		}
	}
	panic("console: entry.CommonStepFields has no list of steps (on_error)")
}()

// Field kinds the form treats apart.
const (
	kindSteps    = "steps"
	kindHeaders  = "headers"
	kindEnum     = "enum"
	kindBranches = "branches"
	kindDays     = "days"
	kindWeight   = "weight"
)

// branchType is the type of the blocks that stand for a split's branches
// in its list of kind branches: no step type, but a block as a step is,
// whose id is the branch's id, whose one value is its weight and whose one
// list is its steps, all described by entry.BranchFields. So a branch is
// added, moved, removed and shown with the machinery every block has.
const branchType = "branch"

// branchFields describe a branch's fields, read from its struct's tags.
var branchFields = entry.BranchFields()

// listFields are the fields of a block of type typ that hold blocks: a
// step type's own lists of steps or of branches, then on_error; a
// branch's steps.
func listFields(typ string) []entry.StepField {
	var out []entry.StepField
	if typ == branchType {
		for _, f := range branchFields {
			if f.Kind == kindSteps {
				out = append(out, f)
			}
		}
		return out
	}
	for _, f := range stepTypes[typ].Fields {
		if f.Kind == kindSteps || f.Kind == kindBranches {
			out = append(out, f)
		}
	}
	return append(out, onErrorField)
}

// valueFields are the fields of type typ that the form edits as values:
// for a branch, its weight (its id is the block's id).
func valueFields(typ string) []entry.StepField {
	fields := stepTypes[typ].Fields
	if typ == branchType {
		fields = branchFields
	}
	var out []entry.StepField
	for _, f := range fields {
		if f.Kind != kindSteps && f.Kind != kindBranches && !(typ == branchType && f.Name == "id") {
			out = append(out, f)
		}
	}
	return out
}

// holdsBranches reports whether the list field of type typ holds a
// split's branches rather than steps.
func holdsBranches(typ, field string) bool {
	for _, f := range listFields(typ) {
		if f.Name == field {
			return f.Kind == kindBranches
		}
	}
	return false
}

func (b *block) known() bool {
	_, ok := stepTypes[b.Type]
	return ok || b.Type == branchType
}

// draftFromEntry is the draft of a stored entry.
func draftFromEntry(e entry.Entry) (*draft, error) {
	d := &draft{ID: e.ID, Version: e.Version, Name: e.Name, Service: e.Service, Enabled: e.Enabled,
		CancelOnNew: e.CancelOnNewInteraction, Quiet: map[string]*quietDraft{}, DefaultLanguage: e.DefaultLanguage}
	if e.SamplePercent != nil {
		d.SamplePercent = strconv.Itoa(*e.SamplePercent)
	}
	for ch, w := range e.QuietHours {
		d.Quiet[ch] = quietFromWindow(w)
	}
	for _, t := range e.Triggers {
		td := &triggerDraft{Key: d.newKey("t"), Type: t.Type, Operator: t.Operator}
		switch t.Type {
		case entry.TriggerCaseDisposition:
			td.CaseDisposition = t.Disposition
		default:
			td.Disposition = t.Disposition
		}
		if t.Threshold != nil {
			td.Percent = formatPercent(*t.Threshold)
		}
		d.Triggers = append(d.Triggers, td)
	}
	var err error
	d.Steps, err = d.blocksFromSteps(e.Steps)
	return d, err
}

// blocksFromSteps makes blocks of steps through their JSON, the shape every
// step type shares, so no type needs code of its own here.
func (d *draft) blocksFromSteps(steps []entry.Step) ([]*block, error) {
	var out []*block
	for _, s := range steps {
		data, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("console: encoding a step of type %q: %w", s.Type(), err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, fmt.Errorf("console: reading a step of type %q: %w", s.Type(), err)
		}
		b := &block{Key: d.newKey("b"), Type: s.Type(), ID: s.ID, Values: map[string]string{}, Lists: map[string][]*block{},
			Langs: map[string][]*variant{}}
		if !b.known() {
			delete(obj, "id")
			b.Raw = string(data)
			out = append(out, b)
			continue
		}
		for _, f := range valueFields(b.Type) {
			raw, ok := obj[f.Name]
			if !ok {
				continue
			}
			if f.Localized {
				b.Values[f.Name], b.Langs[f.Name] = formTexts(raw, d.defaultLanguage())
				continue
			}
			b.Values[f.Name] = formValue(f.Kind, raw)
		}
		nested := map[string][]entry.Step{}
		if err := collectNested(s, nested); err != nil {
			return nil, err
		}
		for _, f := range listFields(b.Type) {
			if f.Kind == kindBranches {
				if b.Lists[f.Name], err = d.blocksFromBranches(obj[f.Name]); err != nil {
					return nil, err
				}
				continue
			}
			if b.Lists[f.Name], err = d.blocksFromSteps(nested[f.Name]); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
	}
	return out, nil
}

// blocksFromBranches makes branch blocks of a split's branches, as JSON.
func (d *draft) blocksFromBranches(raw json.RawMessage) ([]*block, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var branches []entry.Branch
	if err := json.Unmarshal(raw, &branches); err != nil {
		return nil, fmt.Errorf("console: reading a split's branches: %w", err)
	}
	var out []*block
	for _, br := range branches {
		b := &block{Key: d.newKey("b"), Type: branchType, ID: br.ID, Values: map[string]string{"weight": strconv.Itoa(br.Weight)},
			Lists: map[string][]*block{}}
		steps, err := d.blocksFromSteps(br.Steps)
		if err != nil {
			return nil, err
		}
		b.Lists["steps"] = steps
		out = append(out, b)
	}
	return out, nil
}

// collectNested reads the nested lists of s (its fields of kind steps, and
// on_error) by their JSON names.
func collectNested(s entry.Step, into map[string][]entry.Step) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("console: encoding a step: %w", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("console: reading a step: %w", err)
	}
	for _, f := range listFields(s.Type()) {
		raw, ok := obj[f.Name]
		if !ok || f.Kind == kindBranches {
			continue
		}
		var steps []entry.Step
		if err := json.Unmarshal(raw, &steps); err != nil {
			return fmt.Errorf("console: reading the %s steps of a %s step: %w", f.Name, s.Type(), err)
		}
		into[f.Name] = steps
	}
	return nil
}

// formValue is how the form shows a field's JSON value: text as it is,
// headers one "Name: value" per line, days joined by commas (the boxes
// ticked), anything else as JSON.
func formValue(kind string, raw json.RawMessage) string {
	if kind == kindDays {
		var days []string
		if err := json.Unmarshal(raw, &days); err == nil {
			return strings.Join(days, ",")
		}
	}
	if kind == kindHeaders {
		var headers map[string]string
		if err := json.Unmarshal(raw, &headers); err == nil {
			var lines []string
			for _, name := range slices.Sorted(maps.Keys(headers)) {
				lines = append(lines, name+": "+headers[name])
			}
			return strings.Join(lines, "\n")
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

// formTexts is how the form shows a localized field's JSON value: its
// text in the default language def (all of a plain string) and its other
// languages, sorted by tag.
func formTexts(raw json.RawMessage, def string) (string, []*variant) {
	var t entry.Text
	if err := json.Unmarshal(raw, &t); err != nil || !t.IsTranslated() {
		return formValue("", raw), nil
	}
	main, _ := t.In(def)
	var others []*variant
	for _, tag := range t.Languages() {
		if tag == def {
			continue
		}
		s, _ := t.In(tag)
		others = append(others, &variant{Tag: tag, Text: s})
	}
	return main, others
}

// defaultLanguage is the language of the texts' first boxes: the entry's
// default_language, en when it names none.
func (d *draft) defaultLanguage() string {
	if tag := strings.TrimSpace(d.DefaultLanguage); tag != "" {
		return tag
	}
	return i18n.Default
}

// newDraft is the draft of a new entry.
func newDraft() *draft {
	return &draft{Enabled: true, Quiet: map[string]*quietDraft{}}
}

// newKey returns a key no block or trigger of the draft has, with prefix
// ("b" or "t").
func (d *draft) newKey(prefix string) string {
	d.lastKey++
	return fmt.Sprintf("%s%d", prefix, d.lastKey)
}

// noteKey makes sure newKey never returns key.
func (d *draft) noteKey(key string) {
	if n, err := strconv.Atoi(key[1:]); err == nil && n > d.lastKey {
		d.lastKey = n
	}
}

// walk calls fn for every block, parents before their children, with the
// list it is in and its index there.
func (d *draft) walk(fn func(b *block, list string, i int)) {
	var visit func(list string, blocks []*block)
	visit = func(list string, blocks []*block) {
		for i, b := range blocks {
			fn(b, list, i)
			for _, f := range listFields(b.Type) {
				visit(b.Key+"."+f.Name, b.Lists[f.Name])
			}
		}
	}
	visit(rootList, d.Steps)
}

// listOf returns the blocks of the list called name ("steps", "b3.then")
// and a function that replaces them; ok is false when there is no such
// list.
func (d *draft) listOf(name string) (blocks []*block, set func([]*block), ok bool) {
	if name == rootList {
		return d.Steps, func(l []*block) { d.Steps = l }, true
	}
	parentKey, field, _ := strings.Cut(name, ".")
	parent := d.block(parentKey)
	if parent == nil || !hasListField(parent.Type, field) {
		return nil, nil, false
	}
	return parent.Lists[field], func(l []*block) { parent.Lists[field] = l }, true
}

// hasListField reports whether steps of type typ have the list field.
func hasListField(typ, field string) bool {
	return slices.ContainsFunc(listFields(typ), func(f entry.StepField) bool { return f.Name == field })
}

// parentList returns the name of the list that holds the block with key,
// and its index there.
func (d *draft) parentList(key string) (string, int, bool) {
	list, index, found := "", 0, false
	d.walk(func(b *block, l string, i int) {
		if b.Key == key {
			list, index, found = l, i, true
		}
	})
	return list, index, found
}

// block returns the block with key, or nil.
func (d *draft) block(key string) *block {
	var found *block
	d.walk(func(b *block, _ string, _ int) {
		if b.Key == key {
			found = b
		}
	})
	return found
}

// parseDraft reads a draft from a posted form. A form that names keys,
// lists or types it cannot have did not come from the console: that is an
// error, not a draft.
func parseDraft(form url.Values) (*draft, error) {
	d := &draft{
		Name:          form.Get(fieldName),
		Service:       form.Get(fieldService),
		NewService:    form.Get(fieldNewService),
		Enabled:       form.Get(fieldEnabled) != "",
		CancelOnNew:   form.Get(fieldCancelOnNew) != "",
		Quiet:         parseQuiet(form),
		SamplePercent: strings.TrimSpace(form.Get(fieldSample)),
		// Spaces trimmed, so the boxes' language reads as it will be saved.
		DefaultLanguage: strings.TrimSpace(form.Get(fieldDefaultLanguage)),
	}
	if v := form.Get(fieldVersion); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("version %q is not a version number", v)
		}
		d.Version = n
	}
	if len(form[fieldTrigger]) > maxDraftTriggers || len(form[fieldBlock]) > maxDraftBlocks {
		return nil, fmt.Errorf("the form holds more than %d triggers or %d steps", maxDraftTriggers, maxDraftBlocks)
	}
	seen := map[string]bool{}
	for _, key := range form[fieldTrigger] {
		if !triggerKey.MatchString(key) || seen[key] {
			return nil, fmt.Errorf("trigger key %q is not one the console makes, or is given twice", key)
		}
		seen[key] = true
		d.noteKey(key)
		d.Triggers = append(d.Triggers, &triggerDraft{
			Key:             key,
			Type:            form.Get(key + ".type"),
			Disposition:     form.Get(key + ".disposition"),
			CaseDisposition: form.Get(key + ".case_disposition"),
			Operator:        form.Get(key + ".operator"),
			Percent:         strings.TrimSpace(form.Get(key + ".percent")),
			Editing:         form.Get(key+".editing") != "",
		})
	}

	type placement struct{ list, key string }
	var places []placement
	blocks := map[string]*block{}
	for _, v := range form[fieldBlock] {
		list, key, ok := strings.Cut(v, "/")
		if !ok || !blockKey.MatchString(key) || blocks[key] != nil {
			return nil, fmt.Errorf("block %q is not one the console makes, or is given twice", v)
		}
		b := &block{Key: key, Type: form.Get(key + ".type"), ID: form.Get(key + ".id"),
			Values: map[string]string{}, Lists: map[string][]*block{}, Langs: map[string][]*variant{}, Open: form.Get(key+".open") != ""}
		if b.known() {
			for _, f := range valueFields(b.Type) {
				if f.Kind == kindDays { // one box per day
					b.Values[f.Name] = strings.Join(form[key+".f."+f.Name], ",")
					continue
				}
				b.Values[f.Name] = formText(form.Get(key + ".f." + f.Name))
				if !f.Localized {
					continue
				}
				tags := form[key+".lang."+f.Name]
				if len(tags) > maxDraftLanguages {
					return nil, fmt.Errorf("block %s's %s has more than %d languages", key, f.Name, maxDraftLanguages)
				}
				for _, tag := range tags {
					b.Langs[f.Name] = append(b.Langs[f.Name], &variant{Tag: tag, Text: formText(form.Get(key + ".f." + f.Name + "@" + tag))})
				}
			}
		} else {
			b.Raw = form.Get(key + ".raw")
		}
		blocks[key] = b
		d.noteKey(key)
		places = append(places, placement{list, key})
	}
	for _, p := range places {
		b := blocks[p.key]
		if p.list == rootList {
			if b.Type == branchType {
				return nil, fmt.Errorf("branch %s is placed among the steps", p.key)
			}
			d.Steps = append(d.Steps, b)
			continue
		}
		parentKey, field, _ := strings.Cut(p.list, ".")
		parent := blocks[parentKey]
		if parent == nil || !hasListField(parent.Type, field) {
			return nil, fmt.Errorf("block %s is placed in %q, which is no list of the form", p.key, p.list)
		}
		if (b.Type == branchType) != holdsBranches(parent.Type, field) {
			return nil, fmt.Errorf("block %s is placed in %q, which holds no %s", p.key, p.list, b.Type)
		}
		parent.Lists[field] = append(parent.Lists[field], b)
	}
	// A block placed inside its own descendants is in no list the main
	// steps reach: the form was not the console's.
	reached := 0
	d.walk(func(*block, string, int) { reached++ })
	if reached != len(blocks) {
		return nil, errors.New("the form's blocks do not form one scenario")
	}
	return d, nil
}

// formText is a text field as the entry keeps it: browsers send the lines
// of a text area ending in CR LF, entries end them in LF.
func formText(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}
