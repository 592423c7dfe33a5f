package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
)

// entryView is what the entry screen shows.
type entryView struct {
	New     bool
	ID      string
	Action  string
	Draft   *draft
	Updated time.Time
	// Flash says what the last post did ("Saved as version 3").
	Flash string
	// Stale is set when Save found the entry changed meanwhile.
	Stale *usecase.StaleError
	// Alert is a problem that is no field's (the servers did not answer).
	Alert string

	Interaction []string
	Case        []string
	Services    []string
	Triggers    []triggerView
	Steps       listView
	Targets     []targetView
	Palette     []entry.StepType
	Variables   []varGroup
	// Sim is the Simulate section.
	Sim *simulateView
}

// LanguageTags are the tags the language boxes suggest: ccflow's own
// languages first, then others contact centers often write in.
func (*entryView) LanguageTags() []string {
	return append(i18n.Languages(), "ar", "da", "en-GB", "es-MX", "fi", "fr-CA", "hi", "it", "ko", "nb", "nl", "pl",
		"pt-BR", "pt-PT", "sv", "th", "tr", "vi", "zh-Hans", "zh-Hant")
}

// PageTitle is the browser tab's title.
func (v *entryView) PageTitle() string {
	if v.New {
		return "New workflow entry"
	}
	return v.Draft.Name
}

// PageNav marks the entries in the navigation.
func (*entryView) PageNav() string { return "entries" }

// Err is the problems to show at target.
func (v *entryView) Err(target string) []string { return v.Draft.Errors[target] }

// ErrID is the id of target's problems, for aria-describedby; "" when it
// has none.
func (v *entryView) ErrID(target string) string {
	if len(v.Draft.Errors[target]) == 0 {
		return ""
	}
	return anchorOf(target) + "-error"
}

// Autofocus says whether the element with id takes the focus.
func (v *entryView) Autofocus(id string) bool { return v.Draft.Focus == id }

// ServiceOther reports whether the Service drop-down is on "another
// service".
func (v *entryView) ServiceOther() bool { return v.Draft.Service == otherService }

// OtherService is the value of the "another service" option.
func (*entryView) OtherService() string { return otherService }

// TriggerTypes are the trigger types the Type drop-down offers.
func (*entryView) TriggerTypes() any { return triggerTypeLabels }

// QuietOf is the form of channel's window.
func (v *entryView) QuietOf(channel string) *quietDraft { return quietOf(v.Draft.Quiet, channel) }

// Channels are the channels a window is set for.
func (*entryView) Channels() []channelView { return channels() }

// PolicyField describes an entry-level policy field for the form.
func (*entryView) PolicyField(name string) entry.StepField {
	for _, f := range entry.PolicyFields() {
		if f.Name == name {
			return f
		}
	}
	return entry.StepField{Name: name, Label: name}
}

// channelView is a channel as forms name it.
type channelView struct {
	Name  string
	Label string
}

// channels are policy.Channels with their labels.
func channels() []channelView {
	var out []channelView
	for _, ch := range policy.Channels {
		label := ch
		switch ch {
		case policy.ChannelEmail:
			label = "Email"
		case policy.ChannelSMS:
			label = "SMS"
		}
		out = append(out, channelView{Name: ch, Label: label})
	}
	return out
}

// quietOf is the window of channel in windows, never nil.
func quietOf(windows map[string]*quietDraft, channel string) *quietDraft {
	if q := windows[channel]; q != nil {
		return q
	}
	return &quietDraft{}
}

// triggerView is one trigger on the entry screen.
type triggerView struct {
	*triggerDraft
	Number   int
	Words    string
	Sentence string
	// Step is the slider's step: whole percentages, unless the threshold
	// was set finer through the API, which the slider must not round.
	Step string
}

// listView is a list of blocks: the main steps or a nested list.
type listView struct {
	// Name is the list's name in the form ("steps", "b3.then").
	Name   string
	Label  string
	Help   string
	Blocks []blockView
	Depth  int
	// OnError marks a step's on_error list.
	OnError bool
	// Branches marks a split's list of branches, whose blocks are
	// branches and are dragged within it alone; Owner is the split's key.
	Branches bool
	Owner    string
}

// blockView is one block of the scenario.
type blockView struct {
	*block
	List      string
	Number    string
	TypeLabel string
	TypeHelp  string
	Summary   string
	First     bool
	Last      bool
	IDField   fieldView
	Fields    []fieldView
	Lists     []listView
}

// fieldView is one field of a block's form.
type fieldView struct {
	// Target is where the field's problems go ("b7.duration").
	Target   string
	Name     string
	Label    string
	Help     string
	Kind     string
	Value    string
	Required bool
	Options  []string
	// Localized marks a text a customer reads, which may be written per
	// language: Value is its text in DefaultLang, Langs its others.
	Localized   bool
	DefaultLang string
	Langs       []langView
}

// langView is one more language of a localized field.
type langView struct {
	Tag  string
	Text string
	// ID is its box's element id, FormName the box's name in the form.
	ID, FormName string
}

// LangListName names the hidden values that list the field's languages.
func (f fieldView) LangListName() string {
	key, name, _ := strings.Cut(f.Target, ".")
	return key + ".lang." + name
}

// NewLangName is the name of the box a language to add is typed in, and
// NewLangID its element id.
func (f fieldView) NewLangName() string {
	key, name, _ := strings.Cut(f.Target, ".")
	return key + ".newlang." + name
}

// NewLangID is the element id of the box a language to add is typed in.
func (f fieldView) NewLangID() string { return anchorOf(f.NewLangName()) }

// FormName is the field's name in the form.
func (f fieldView) FormName() string {
	key, name, _ := strings.Cut(f.Target, ".")
	if name == "id" && f.Kind == "step_id" {
		return key + ".id"
	}
	return key + ".f." + name
}

// Checked reports whether a field of kind days has option ticked.
func (f fieldView) Checked(option string) bool {
	return slices.Contains(splitDays(f.Value), option)
}

// ID is the field's element id.
func (f fieldView) ID() string { return anchorOf(f.Target) }

// Control is how the field is edited: "textarea", "select" or "input".
func (f fieldView) Control() string {
	switch f.Kind {
	case "message", "html", kindHeaders:
		return "textarea"
	case kindEnum:
		return "select"
	case kindDays:
		return "checkboxes"
	case kindWeight:
		return "number"
	}
	return "input"
}

// Mono marks fields written in a notation rather than prose.
func (f fieldView) Mono() bool {
	switch f.Kind {
	case "condition", "url", kindHeaders, "duration", "timeout", "step_id", "variable", "event_name", "connection",
		"clock", "delay", "posted_event":
		return true
	}
	return false
}

// Placeholder suggests a value where the kind has a form to follow.
func (f fieldView) Placeholder() string {
	switch f.Kind {
	case "duration":
		return "e.g. 30m, 1d, 1w"
	case "timeout":
		return "e.g. 10s"
	case kindHeaders:
		return "X-Request-Source: ccflow"
	case "condition":
		return "e.g. survey.score <= 2"
	case "clock":
		return "e.g. 10:00"
	case "delay":
		return "e.g. 0s, 12h, 1d"
	case "posted_event":
		return "e.g. case_closed"
	}
	return ""
}

// targetView is a list the palette can add a block to.
type targetView struct {
	Name  string
	Label string
}

// newEntry shows the entry screen for a new entry.
func (c *console) newEntry(w http.ResponseWriter, r *http.Request) error {
	d := newDraft()
	d.Focus = anchorOf(fieldName)
	return c.renderEntry(w, r, http.StatusOK, &entryView{New: true, Action: "/console/entries/new", Draft: d})
}

// showEntry shows the entry screen of an entry.
func (c *console) showEntry(w http.ResponseWriter, r *http.Request) error {
	e, err := c.Service.Entry(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := draftFromEntry(e)
	if err != nil {
		return err
	}
	view := &entryView{ID: e.ID, Action: entryPath(e.ID), Draft: d, Updated: e.UpdatedAt}
	q := r.URL.Query()
	switch {
	case q.Has("created"):
		view.Flash = fmt.Sprintf("Saved. The entry is live as version %d.", e.Version)
	case q.Has("saved"):
		view.Flash = fmt.Sprintf("Saved as version %s. Runs already started keep the version they started with.", q.Get("saved"))
	}
	return c.renderEntry(w, r, http.StatusOK, view)
}

// editNewEntry takes a post of the new entry's screen.
func (c *console) editNewEntry(w http.ResponseWriter, r *http.Request) error {
	return c.edit(w, r, &entryView{New: true, Action: "/console/entries/new"})
}

// editEntry takes a post of an entry's screen.
func (c *console) editEntry(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return c.edit(w, r, &entryView{ID: id, Action: entryPath(id)})
}

// edit applies the change a post of the entry screen asks for, or saves.
func (c *console) edit(w http.ResponseWriter, r *http.Request, view *entryView) error {
	if err := r.ParseForm(); err != nil {
		return errPage(http.StatusBadRequest, "Not accepted", "The form could not be read: "+err.Error())
	}
	d, err := parseDraft(r.PostForm)
	if err != nil {
		return errPage(http.StatusBadRequest, "Not accepted", "This form did not come from the console ("+err.Error()+"). Reload the page.")
	}
	d.ID = view.ID // the URL names the entry, never the form
	view.Draft = d
	view.Sim = simulationFromForm(r)
	op := r.PostFormValue(fieldOp)
	name, arg, _ := strings.Cut(op, ":")
	switch {
	case name == opSave && r.PostFormValue(fieldDrop) == "":
		if arg != "" { // "save:4": save over version 4, seen in the conflict notice
			if d.Version, err = strconv.Atoi(arg); err != nil {
				return errPage(http.StatusBadRequest, "Not accepted", "This form did not come from the console. Reload the page.")
			}
		}
		return c.save(w, r, view)
	case name == opAddLang:
		key, field, _ := strings.Cut(arg, ".")
		if err := d.addLanguage(arg, r.PostFormValue(key+".newlang."+field)); err != nil {
			return errPage(http.StatusBadRequest, "Not accepted", err.Error()+". Reload the page.")
		}
	case name == opSimExample || name == opSimulate || name == opForecast:
		if err := c.simulate(r.Context(), view, name); err != nil {
			return err
		}
	case name == opApplyTrigger:
		if err := d.apply(op, "", ""); err != nil {
			return errPage(http.StatusBadRequest, "Not accepted", err.Error())
		}
		if err := c.applyTrigger(r.Context(), d, arg); err != nil {
			return err
		}
	default:
		if err := d.apply(op, r.PostFormValue(fieldTarget), r.PostFormValue(fieldDrop)); err != nil {
			return errPage(http.StatusBadRequest, "Not accepted", err.Error()+". Reload the page.")
		}
	}
	return c.renderEntry(w, r, http.StatusOK, view)
}

// applyTrigger checks one trigger as Save would (against the catalog) and,
// when it holds together, shows it in words; otherwise its problems show
// beside its fields.
func (c *console) applyTrigger(ctx context.Context, d *draft, key string) error {
	i := slices.IndexFunc(d.Triggers, func(t *triggerDraft) bool { return t.Key == key })
	t := d.Triggers[i]
	catalog, err := c.Service.Catalog(ctx)
	if err != nil {
		return err
	}
	e, p, err := (&draft{Name: "x", Triggers: []*triggerDraft{t}}).entry()
	if err == nil {
		entry.Normalize(&e)
		err = entry.Validate(e, catalog)
	}
	var mine validation.Errors
	var all validation.Errors
	if asFieldErrors(err, &all) {
		for _, fe := range all {
			if strings.HasPrefix(fe.Path, "triggers[0]") {
				mine = append(mine, fe)
			}
		}
	}
	if len(mine) > 0 {
		d.place(mine, p)
		return nil
	}
	t.Editing = false
	d.Focus = "edit-" + key
	return nil
}

// save stores the draft as a new entry or a new version: all of it, or
// nothing and the problems beside their fields.
func (c *console) save(w http.ResponseWriter, r *http.Request, view *entryView) error {
	d := view.Draft
	e, p, err := d.entry()
	if err == nil {
		if view.New {
			e, err = c.Service.CreateEntry(r.Context(), e)
		} else {
			e, err = c.Service.UpdateEntry(r.Context(), e, d.Version)
		}
	}
	var stale *usecase.StaleError
	switch {
	case err == nil:
		if view.New {
			redirect(w, r, entryPath(e.ID)+"?created=1")
		} else {
			redirect(w, r, entryPath(e.ID)+"?saved="+strconv.Itoa(e.Version))
		}
		return nil
	case errors.As(err, &stale):
		view.Stale = stale
		d.Focus = "stale"
		return c.renderEntry(w, r, http.StatusConflict, view)
	case d.place(err, p):
		d.Focus = "error-summary"
		status := http.StatusUnprocessableEntity
		if errors.Is(err, usecase.ErrConflict) {
			status = http.StatusConflict
		}
		return c.renderEntry(w, r, status, view)
	}
	pb := problemOf(err)
	if pb.Status >= http.StatusInternalServerError {
		_ = c.problemPage(r.Context(), err) // for its log line; the page is the form below
	}
	if errors.Is(err, usecase.ErrNotFound) {
		pb.Message = "This entry has been deleted since you opened it, so nothing was saved (" + pb.Message + "). " +
			"To keep your changes, copy them into a new entry."
	}
	view.Alert = pb.Message
	d.Focus = "alert"
	return c.renderEntry(w, r, pb.Status, view)
}

// deleteEntry deletes an entry; its versions and runs stay readable.
func (c *console) deleteEntry(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := c.Service.DeleteEntry(r.Context(), id, usecase.AnyVersion); err != nil {
		return err
	}
	redirect(w, r, "/console/entries?deleted="+url.QueryEscape(id))
	return nil
}

// renderEntry fills in what the entry screen shows besides the draft, and
// shows it.
func (c *console) renderEntry(w http.ResponseWriter, r *http.Request, status int, view *entryView) error {
	catalog, err := c.Service.Catalog(r.Context())
	if err != nil {
		return err
	}
	services, err := c.Service.Services(r.Context())
	if err != nil {
		return err
	}
	view.fill(catalog, services)
	c.render(w, r, status, "entry", view)
	return nil
}

// fill prepares what the entry screen shows of its draft, with the
// disposition catalog and the known services.
func (v *entryView) fill(catalog entry.Catalog, services []string) {
	d := v.Draft
	v.Interaction, v.Case = catalog.Interaction, catalog.Case
	if s := d.service(); s != "" && d.Service != otherService &&
		!slices.ContainsFunc(services, func(k string) bool { return strings.EqualFold(k, s) }) {
		services = append(services, s)
	}
	v.Services = services
	v.Triggers = nil
	for i, t := range d.Triggers {
		tv := triggerView{triggerDraft: t, Number: i + 1, Step: "1"}
		disposition := t.Disposition
		if t.Type == entry.TriggerCaseDisposition {
			disposition = t.CaseDisposition
		}
		tv.Words = triggerWords(t.Type, disposition, t.Operator, t.Percent)
		tv.Sentence = sentimentSentence(t.Operator, t.Percent)
		if pct, err := strconv.ParseFloat(t.Percent, 64); err == nil && pct != float64(int(pct)) {
			tv.Step = "any"
		}
		v.Triggers = append(v.Triggers, tv)
	}
	v.Steps = d.listView(rootList, "Steps", "", d.Steps, "", 0)
	v.Targets = []targetView{{Name: rootList, Label: "Main steps (at the end)"}}
	d.walk(func(b *block, _ string, _ int) {
		for _, f := range listFields(b.Type) {
			if f.Kind == kindBranches {
				continue // branches come from the split's own button
			}
			label := d.blockName(b) + " › " + f.Label
			if b.Type == branchType {
				label = d.blockName(b) + " " + b.ID + " › " + f.Label
			}
			v.Targets = append(v.Targets, targetView{Name: b.Key + "." + f.Name, Label: label})
		}
	})
	v.Palette = palette()
	v.Variables = d.variables()
	if v.Sim == nil {
		v.Sim = newSimulateView()
	}
}

// listView builds the view of a list of blocks; number is the list's
// place in the scenario ("3 › Then "), "" for the main steps.
func (d *draft) listView(name, label, help string, blocks []*block, number string, depth int) listView {
	lv := listView{Name: name, Label: label, Help: help, Depth: depth}
	for i, b := range blocks {
		bv := blockView{
			block:     b,
			List:      name,
			Number:    number + strconv.Itoa(i+1),
			TypeLabel: typeLabel(b.Type),
			TypeHelp:  stepTypes[b.Type].Help,
			Summary:   blockSummary(b),
			First:     i == 0,
			Last:      i == len(blocks)-1,
		}
		if b.Type == branchType {
			bv.TypeHelp = "A branch of the split: the share of runs its weight says take it and run its steps."
		}
		ids := idFields(b.Type)
		idField := ids[slices.IndexFunc(ids, func(f entry.StepField) bool { return f.Name == "id" })]
		bv.IDField = fieldView{Target: b.Key + ".id", Name: "id", Label: idField.Label, Help: idField.Help, Kind: idField.Kind, Value: b.ID}
		for _, f := range valueFields(b.Type) {
			fv := fieldView{Target: b.Key + "." + f.Name, Name: f.Name, Label: f.Label, Help: f.Help,
				Kind: f.Kind, Value: b.Values[f.Name], Required: f.Required, Options: f.Options}
			if f.Localized {
				fv.Localized, fv.DefaultLang = true, d.defaultLanguage()
				for _, l := range b.Langs[f.Name] {
					fv.Langs = append(fv.Langs, langView{Tag: l.Tag, Text: l.Text,
						ID: anchorOf(fv.Target + "@" + l.Tag), FormName: fv.FormName() + "@" + l.Tag})
				}
			}
			bv.Fields = append(bv.Fields, fv)
		}
		for _, f := range listFields(b.Type) {
			if f.Name == onErrorField.Name && len(b.Lists[f.Name]) == 0 && !b.Open {
				continue // shown, empty, only in an open block
			}
			lv := d.listView(b.Key+"."+f.Name, f.Label, f.Help, b.Lists[f.Name], bv.Number+" › "+f.Label+" ", depth+1)
			lv.OnError = f.Name == onErrorField.Name && b.Type != branchType
			lv.Branches, lv.Owner = f.Kind == kindBranches, b.Key
			bv.Lists = append(bv.Lists, lv)
		}
		lv.Blocks = append(lv.Blocks, bv)
	}
	return lv
}

func entryPath(id string) string { return "/console/entries/" + url.PathEscape(id) }

// Known reports whether the block's type is one this version defines.
func (b blockView) Known() bool { return b.known() }

// HasErrors reports whether the block or one of its fields has a problem
// to show.
func (b blockView) HasErrors(v *entryView) bool {
	for target, msgs := range v.Draft.Errors {
		if len(msgs) > 0 && (target == b.Key || strings.HasPrefix(target, b.Key+".")) {
			return true
		}
	}
	return false
}
