package entrysync

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
)

// Action is what applying a plan does to one entry.
type Action string

// Actions, in the words the plan prints.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Delete    Action = "delete"
)

// Change is the plan for one entry.
type Change struct {
	Action Action
	ID     string
	// File is where the folder holds the entry; empty for Delete.
	File string
	// Entry is the entry as its file has it, or for Delete the live one.
	Entry entry.Entry
	// LiveVersion is the live entry's current version; 0 for Create.
	LiveVersion int
	// Diff is a unified diff from the live entry to the file's, for Update.
	Diff string
	// Applied is set by Execute once the write is made; NewVersion is then
	// the version created or updated.
	Applied    bool
	NewVersion int
}

// Plan is what applying a folder would do: one Change per entry, by id.
type Plan struct {
	Dir     string
	Changes []Change
	// Kept lists the live entries the folder does not hold, which stay
	// because pruning was not asked for.
	Kept []string
}

// NewPlan compares the entries loaded from dir with the live ones. An
// entry whose Canonical form equals the live one's is Unchanged, so
// applying a folder twice writes nothing the second time. With prune, a
// live entry no file holds is deleted.
func NewPlan(dir string, files []File, live []entry.Entry, prune bool) Plan {
	p := Plan{Dir: dir}
	byID := make(map[string]entry.Entry, len(live))
	for _, e := range live {
		byID[e.ID] = e
	}
	for _, f := range files {
		c := Change{ID: f.Entry.ID, File: f.Path, Entry: f.Entry}
		current, exists := byID[f.Entry.ID]
		delete(byID, f.Entry.ID)
		switch {
		case !exists:
			c.Action = Create
		case Canonical(current) == Canonical(f.Entry):
			c.Action, c.LiveVersion = Unchanged, current.Version
		default:
			c.Action, c.LiveVersion = Update, current.Version
			c.Diff = Diff(fmt.Sprintf("%s v%d (live)", current.ID, current.Version), f.Path,
				Canonical(current), Canonical(f.Entry))
		}
		p.Changes = append(p.Changes, c)
	}
	for _, e := range byID {
		if prune {
			p.Changes = append(p.Changes, Change{Action: Delete, ID: e.ID, Entry: e, LiveVersion: e.Version})
		} else {
			p.Kept = append(p.Kept, e.ID)
		}
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return cmp.Compare(a.ID, b.ID) })
	slices.Sort(p.Kept)
	return p
}

// Canonical is the form in which entries are compared and diffed: the
// indented JSON of the entry without what the server assigns (version and
// updated_at). Callers normalize entries from files first, as the API does.
func Canonical(e entry.Entry) string {
	data, err := json.MarshalIndent(e.Definition(), "", "  ")
	if err != nil {
		// An Entry holds only strings, numbers, bools, slices and maps.
		panic(fmt.Sprintf("entrysync: encoding entry %q: %v", e.ID, err))
	}
	return string(data) + "\n"
}

// Count returns how many changes of the plan have action a.
func (p Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// writeOrder is the order of the writes: deletions first, so a new entry
// may take a deleted one's name, then updates, then creations.
var writeOrder = []Action{Delete, Update, Create}

// Writes returns the changes that write to ccflow, in the order Execute
// makes them: deletions first, so a new entry may take a deleted one's
// name, then updates, then creations.
func (p Plan) Writes() []Change {
	var writes []Change
	for _, a := range writeOrder {
		for _, c := range p.Changes {
			if c.Action == a {
				writes = append(writes, c)
			}
		}
	}
	return writes
}

// Print writes the plan for a person: a line per entry, each update's diff
// indented below it, and a summary.
func (p Plan) Print(w io.Writer) {
	for _, c := range p.Changes {
		fmt.Fprintf(w, "%-9s  %s\n", c.Action, c.describe(p.Dir))
		if c.Diff != "" {
			for line := range strings.Lines(c.Diff) {
				fmt.Fprintf(w, "    %s", line)
			}
		}
	}
	if len(p.Kept) > 0 {
		fmt.Fprintf(w, "kept       %s (live, not in %s; pruning would delete them)\n", strings.Join(p.Kept, ", "), p.Dir)
	}
	fmt.Fprintf(w, "plan: %d to create, %d to update, %d to delete, %d unchanged\n",
		p.Count(Create), p.Count(Update), p.Count(Delete), p.Count(Unchanged))
}

func (c Change) describe(dir string) string {
	switch c.Action {
	case Create:
		return fmt.Sprintf("%s (%s)", c.ID, c.File)
	case Update:
		return fmt.Sprintf("%s v%d (%s)", c.ID, c.LiveVersion, c.File)
	case Delete:
		return fmt.Sprintf("%s v%d (not in %s)", c.ID, c.LiveVersion, dir)
	}
	return fmt.Sprintf("%s v%d", c.ID, c.LiveVersion)
}
