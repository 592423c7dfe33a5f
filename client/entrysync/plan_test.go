package entrysync_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
)

// waitingEntry is a valid entry that waits d after a Spam disposition.
func waitingEntry(id, d string) entry.Entry {
	return entry.Entry{
		ID: id, Name: "Entry " + id, Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Spam"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: d}}},
	}
}

// live is e as the server answers it: with a version and a time.
func live(e entry.Entry, version int) entry.Entry {
	e.Version, e.UpdatedAt = version, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	return e
}

func file(e entry.Entry) entrysync.File {
	return entrysync.File{Path: "entries/" + e.ID + ".yaml", Entry: e}
}

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name  string
		files []entrysync.File
		live  []entry.Entry
		prune bool
		want  []string // "action id"
		kept  []string
	}{
		{
			name:  "an entry the server lacks is created",
			files: []entrysync.File{file(waitingEntry("a", "1d"))},
			want:  []string{"create a"},
		},
		{
			name:  "an entry equal but for version and time is unchanged",
			files: []entrysync.File{file(waitingEntry("a", "1d"))},
			live:  []entry.Entry{live(waitingEntry("a", "1d"), 4)},
			want:  []string{"unchanged a"},
		},
		{
			name:  "an entry that differs is updated",
			files: []entrysync.File{file(waitingEntry("a", "2d"))},
			live:  []entry.Entry{live(waitingEntry("a", "1d"), 4)},
			want:  []string{"update a"},
		},
		{
			name:  "a live entry no file holds is kept without prune",
			files: []entrysync.File{file(waitingEntry("a", "1d"))},
			live:  []entry.Entry{live(waitingEntry("a", "1d"), 1), live(waitingEntry("z", "1d"), 2)},
			want:  []string{"unchanged a"},
			kept:  []string{"z"},
		},
		{
			name:  "a live entry no file holds is deleted with prune",
			files: []entrysync.File{file(waitingEntry("a", "1d"))},
			live:  []entry.Entry{live(waitingEntry("a", "1d"), 1), live(waitingEntry("z", "1d"), 2)},
			prune: true,
			want:  []string{"unchanged a", "delete z"},
		},
		{
			name:  "changes come in id order",
			files: []entrysync.File{file(waitingEntry("c", "1d")), file(waitingEntry("a", "1d"))},
			live:  []entry.Entry{live(waitingEntry("b", "1d"), 1), live(waitingEntry("c", "1w"), 1)},
			prune: true,
			want:  []string{"create a", "delete b", "update c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := entrysync.NewPlan("entries", tt.files, tt.live, tt.prune)

			var got []string
			for _, c := range plan.Changes {
				got = append(got, string(c.Action)+" "+c.ID)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.kept, plan.Kept)
		})
	}
}

func TestPlanUpdateDiffShowsTheChangedLine(t *testing.T) {
	plan := entrysync.NewPlan("entries",
		[]entrysync.File{file(waitingEntry("a", "2d"))},
		[]entry.Entry{live(waitingEntry("a", "1d"), 3)}, false)

	require.Equal(t, 3, plan.Changes[0].LiveVersion)
	require.Equal(t, `--- a v3 (live)
+++ entries/a.yaml
@@ -12,7 +12,7 @@
     {
       "id": "pause",
       "type": "wait",
-      "duration": "1d"
+      "duration": "2d"
     }
   ]
 }
`, plan.Changes[0].Diff)
}

func TestPlanWritesDeleteThenUpdateThenCreate(t *testing.T) {
	plan := entrysync.NewPlan("entries",
		[]entrysync.File{file(waitingEntry("a", "1d")), file(waitingEntry("b", "2d")), file(waitingEntry("c", "1d"))},
		[]entry.Entry{live(waitingEntry("b", "1d"), 1), live(waitingEntry("c", "1d"), 1), live(waitingEntry("d", "1d"), 1)},
		true)

	var got []string
	for _, c := range plan.Writes() {
		got = append(got, string(c.Action)+" "+c.ID)
	}
	require.Equal(t, []string{"delete d", "update b", "create a"}, got, "unchanged entries are not written")
}

func TestPlanPrint(t *testing.T) {
	plan := entrysync.NewPlan("entries",
		[]entrysync.File{file(waitingEntry("a", "1d")), file(waitingEntry("b", "2d")), file(waitingEntry("c", "1d"))},
		[]entry.Entry{live(waitingEntry("b", "1d"), 2), live(waitingEntry("c", "1d"), 1), live(waitingEntry("d", "1d"), 5)},
		true)
	var out strings.Builder

	plan.Print(&out)

	require.Equal(t, `create     a (entries/a.yaml)
update     b v2 (entries/b.yaml)
    --- b v2 (live)
    +++ entries/b.yaml
    @@ -12,7 +12,7 @@
         {
           "id": "pause",
           "type": "wait",
    -      "duration": "1d"
    +      "duration": "2d"
         }
       ]
     }
unchanged  c v1
delete     d v5 (not in entries)
plan: 1 to create, 1 to update, 1 to delete, 1 unchanged
`, out.String())
}

func TestPlanPrintNamesTheEntriesItKeeps(t *testing.T) {
	plan := entrysync.NewPlan("entries", []entrysync.File{file(waitingEntry("a", "1d"))},
		[]entry.Entry{live(waitingEntry("a", "1d"), 1), live(waitingEntry("y", "1d"), 1), live(waitingEntry("z", "1d"), 1)}, false)
	var out strings.Builder

	plan.Print(&out)

	require.Equal(t, `unchanged  a v1
kept       y, z (live, not in entries; pruning would delete them)
plan: 0 to create, 0 to update, 0 to delete, 1 unchanged
`, out.String())
}
