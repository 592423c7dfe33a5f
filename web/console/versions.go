package console

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/usecase"
)

// versionsPage is how many versions the Versions page shows at once.
const versionsPage = 10

// diffContext is how many unchanged lines a diff shows around a change.
const diffContext = 3

// versionsView is the Versions page of an entry.
type versionsView struct {
	ID       string
	Name     string
	Deleted  bool
	Versions []versionView
	// Older is the version to list from for the next page; 0 when the
	// oldest is shown.
	Older int
}

// PageTitle is the browser tab's title.
func (v versionsView) PageTitle() string { return "Versions of " + v.Name }

// PageNav marks the entries in the navigation.
func (versionsView) PageNav() string { return "entries" }

// versionView is one version and its diff to the one before.
type versionView struct {
	Version int
	Saved   time.Time
	Current bool
	// First is version 1, which has no version before it.
	First            bool
	Hunks            []diffHunk
	Added, Removed   int
	YAML             string
	TriggerSentences []string
}

// showVersions lists an entry's versions, newest first, each with a diff to
// the one before.
func (c *console) showVersions(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	before, _ := strconv.Atoi(r.URL.Query().Get("before"))
	// One more than shown: the version before the oldest shown, to diff it.
	versions, err := c.Service.EntryVersions(r.Context(), id, max(before, 0), versionsPage+1)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return errPage(http.StatusNotFound, "Not found", "There are no older versions.")
	}
	view := versionsView{ID: id, Name: versions[0].Name}
	current, err := c.Service.Entry(r.Context(), id)
	switch {
	case errors.Is(err, usecase.ErrNotFound):
		view.Deleted = true
	case err != nil:
		return err
	}
	shown := versions[:min(len(versions), versionsPage)]
	// Each version is shown as YAML and diffed against the version before
	// it: for the page's oldest, the one past the page (versions come
	// newest first).
	texts := make([]string, min(len(versions), len(shown)+1))
	for i := range texts {
		text, err := entry.EncodeYAML(versions[i])
		if err != nil {
			return err
		}
		texts[i] = string(text)
	}
	for i, v := range shown {
		vv := versionView{Version: v.Version, Saved: v.UpdatedAt, Current: !view.Deleted && v.Version == current.Version,
			YAML: texts[i], First: v.Version == 1}
		var prev string
		if i+1 < len(texts) {
			prev = texts[i+1]
		}
		vv.Hunks, vv.Added, vv.Removed = diffText(prev, texts[i], diffContext)
		vv.TriggerSentences = entryTriggerWords(v)
		view.Versions = append(view.Versions, vv)
	}
	if len(versions) > versionsPage {
		view.Older = shown[len(shown)-1].Version
	}
	c.render(w, r, http.StatusOK, "versions", view)
	return nil
}
