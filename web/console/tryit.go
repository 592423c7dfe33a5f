package console

import (
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/web/problem"
)

// The changes the Try it form posts in its "op" field.
const (
	tryExample = "example" // put the chosen example in the box
	tryDryRun  = "try"     // say which entries would start
	tryStart   = "start"   // start them for real
)

// defaultExample is the example Try it starts with: SPEC's event.
const defaultExample = "interaction-ended"

// tryView is the Try it page.
type tryView struct {
	Examples []string
	Example  string
	Event    string
	// Entry is the entry Try it was opened from, whose match the page
	// points out, and EntryName its name.
	Entry     string
	EntryName string
	// Ran says a dry run or a start ran; Real says it was a start.
	Ran  bool
	Real bool
	Rows []tryRow
	// EntryHeld says whether Entry would start; nil when no Entry.
	EntryHeld *bool
	// EntrySampledOut says Entry matched but leaves the event's customer
	// out of its sample (sample_percent).
	EntrySampledOut bool
	// Problem is what was wrong with the event, with the field it names.
	Problem  string
	Field    string
	Customer string
	CSRF     string
}

// PageTitle is the browser tab's title.
func (tryView) PageTitle() string { return "Try it" }

// PageNav marks Try it in the navigation.
func (tryView) PageNav() string { return "try" }

// tryRow is one entry the event matched.
type tryRow struct {
	EntryID   string
	EntryName string
	Version   int
	Trigger   string
	Status    string
	RunPath   string
	Highlight bool
	// Language is the language a run of the entry reads its texts in for
	// this event's customer (entry.RunLanguage).
	Language string
}

// exampleEvents lists the example events by name (their file names
// without .json), SPEC's first.
func exampleEvents() []string {
	files, _ := fs.Glob(examples.Events, "events/*.json") // the pattern is valid
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".json"))
	}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case a == defaultExample:
			return -1
		case b == defaultExample:
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

// exampleEvent is the text of the example event name, or "".
func exampleEvent(name string) string {
	data, err := fs.ReadFile(examples.Events, "events/"+name+".json")
	if err != nil {
		return ""
	}
	return string(data)
}

// tryPage shows Try it with an example event in the box.
func (c *console) tryPage(w http.ResponseWriter, r *http.Request) error {
	view := tryView{Examples: exampleEvents(), Example: defaultExample, Entry: r.URL.Query().Get("entry")}
	if ex := r.URL.Query().Get("example"); exampleEvent(ex) != "" {
		view.Example = ex
	}
	view.Event = exampleEvent(view.Example)
	c.render(w, r, http.StatusOK, "try", view)
	return nil
}

// try runs what the Try it form asks: load an example, a dry run, or a
// start for real.
func (c *console) try(w http.ResponseWriter, r *http.Request) error {
	view := tryView{Examples: exampleEvents(), Example: r.PostFormValue("example"), Event: formText(r.PostFormValue("event")),
		Entry: r.PostFormValue("entry")}
	op := r.PostFormValue(fieldOp)
	if op == tryExample {
		if text := exampleEvent(view.Example); text != "" {
			view.Event = text
		}
		c.render(w, r, http.StatusOK, "try", view)
		return nil
	}
	var ev interaction.Event
	if p := problem.DecodeJSON([]byte(view.Event), &ev); p != nil {
		view.Problem, view.Field = p.Message, p.Field
		c.render(w, r, http.StatusUnprocessableEntity, "try", view)
		return nil
	}
	res, err := c.Service.Ingest(r.Context(), ev, op != tryStart)
	if err != nil {
		if validation.First(err) == nil {
			return err
		}
		p := problemOf(err)
		view.Problem, view.Field = p.Message, p.Field
		c.render(w, r, http.StatusUnprocessableEntity, "try", view)
		return nil
	}
	entries, err := c.Service.Entries(r.Context())
	if err != nil {
		return err
	}
	names := map[string]string{}
	byID := map[string]entry.Entry{}
	for _, e := range entries {
		names[e.ID] = e.Name
		byID[e.ID] = e
	}
	customerLanguage := ""
	if ev.Customer != nil {
		customerLanguage = ev.Customer.Language
	}
	view.Ran, view.Real = true, op == tryStart
	if view.Entry != "" {
		held := false
		view.EntryHeld = &held
	}
	for _, m := range res.Matches {
		row := tryRow{EntryID: m.EntryID, EntryName: names[m.EntryID], Version: m.EntryVersion, Trigger: m.Trigger,
			Status: m.Status, Highlight: m.EntryID == view.Entry}
		if e, ok := byID[m.EntryID]; ok {
			row.Language = entry.RunLanguage(e, customerLanguage)
		}
		if m.Status == interaction.StatusStarted || m.Status == interaction.StatusAlreadyStarted {
			row.RunPath = runPath(m.WorkflowID)
		}
		if row.Highlight {
			*view.EntryHeld = true
			view.EntrySampledOut = m.Status == interaction.StatusSampledOut
		}
		view.Rows = append(view.Rows, row)
	}
	if name, ok := names[view.Entry]; ok {
		view.EntryName = name
	} else {
		view.EntryName = view.Entry
	}
	if c := ev.Customer; c != nil {
		var to []string
		for _, a := range []string{c.Email, c.Phone} {
			if a != "" {
				to = append(to, a)
			}
		}
		view.Customer = strings.Join(to, " and ")
	}
	c.render(w, r, http.StatusOK, "try", view)
	return nil
}

// StatusWords says a match's status in words.
func (t tryRow) StatusWords() string {
	switch t.Status {
	case interaction.StatusWouldStart:
		return "would start"
	case interaction.StatusStarted:
		return "started"
	case interaction.StatusAlreadyStarted:
		return "already started (this interaction ran before)"
	case interaction.StatusSampledOut:
		return "sampled out (this customer is not in the entry's sample)"
	}
	return t.Status
}

// WouldStart counts the matches that would start a run.
func (v tryView) WouldStart() int {
	n := 0
	for _, r := range v.Rows {
		if r.Status == interaction.StatusWouldStart {
			n++
		}
	}
	return n
}
