package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/entry"
)

// entriesView is the list of workflow entries.
type entriesView struct {
	Query string
	Rows  []entryRow
	// Total is how many entries there are, searched or not.
	Total int
	Flash string
}

// PageTitle is the browser tab's title.
func (entriesView) PageTitle() string { return "Workflow entries" }

// PageNav marks the entries in the navigation.
func (entriesView) PageNav() string { return "entries" }

// entryRow is one entry of the list.
type entryRow struct {
	ID       string
	Name     string
	Service  string
	Triggers []string
	Enabled  bool
	Version  int
	Updated  time.Time
	// Runs is how many runs the entry started in the last 24 hours.
	Runs int
}

// listEntries shows the entries, those the search matches when there is
// one: by name, id, service or trigger, without regard to case.
func (c *console) listEntries(w http.ResponseWriter, r *http.Request) error {
	entries, err := c.Service.Entries(r.Context())
	if err != nil {
		return err
	}
	counts, err := c.Service.RunCountsSince(r.Context(), time.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	view := entriesView{Query: strings.TrimSpace(r.URL.Query().Get("q")), Total: len(entries)}
	if id := r.URL.Query().Get("deleted"); id != "" {
		view.Flash = "Entry " + id + " is deleted. Runs it started go on; its versions stay readable."
	}
	for _, e := range entries {
		row := rowOf(e, counts[e.ID])
		if view.Query != "" && !row.matches(view.Query) {
			continue
		}
		view.Rows = append(view.Rows, row)
	}
	c.render(w, r, http.StatusOK, "entries", view)
	return nil
}

func rowOf(e entry.Entry, runs int) entryRow {
	return entryRow{ID: e.ID, Name: e.Name, Service: e.Service, Triggers: entryTriggerWords(e),
		Enabled: e.Enabled, Version: e.Version, Updated: e.UpdatedAt, Runs: runs}
}

func (row entryRow) matches(query string) bool {
	q := strings.ToLower(query)
	for _, s := range append([]string{row.ID, row.Name, row.Service}, row.Triggers...) {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}
