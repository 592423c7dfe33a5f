package entrysync_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
)

func TestApplyCreatesWhatTheServerLacks(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("a", "A"), "b.json": waitEntry("b", "B")})
	remote := newFakeRemote()
	var out strings.Builder

	_, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &out)

	require.NoError(t, err)
	require.Equal(t, []string{"create a v1", "create b v1"}, remote.writes)
	require.Contains(t, out.String(), "created a (v1)\ncreated b (v1)\n")
}

func TestApplyTwiceWritesNothingTheSecondTime(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("a", "A"), "b.json": waitEntry("b", "B")})
	remote := newFakeRemote()
	_, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &strings.Builder{})
	require.NoError(t, err)
	remote.writes = nil
	var out strings.Builder

	plan, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &out)

	require.NoError(t, err)
	require.Empty(t, remote.writes)
	require.Equal(t, 2, plan.Count(entrysync.Unchanged))
	require.Equal(t, "unchanged  a v1\nunchanged  b v1\nplan: 0 to create, 0 to update, 0 to delete, 2 unchanged\nnothing to do\n", out.String())
}

func TestApplyWritesNothingWhileAnyFileIsWrong(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"a.yaml":   waitEntry("a", "A"),
		"bad.yaml": "name: Bad\ntriggers: [{type: disposition, disposition: Spam}]\nsteps: [{type: wait, duration: 3 dayz}]\n",
	})
	remote := newFakeRemote()
	var out strings.Builder

	_, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &out)

	require.EqualError(t, err, filepath.Join(dir, "bad.yaml")+`: steps[0].duration: "3 dayz" is not a duration (use e.g. 45s, 30m, 12h, 1d, 1w or 1d12h)`)
	require.Empty(t, remote.writes)
	require.Empty(t, out.String(), "no plan for a folder that does not load")
}

func TestApplyValidatesAgainstTheServersCatalog(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": "name: A\ntriggers: [{type: disposition, disposition: Escalated}]\nsteps: [{type: wait, duration: 1d}]\n"})
	remote := newFakeRemote()
	remote.catalog.Interaction = append(remote.catalog.Interaction, "Escalated")

	_, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &strings.Builder{})

	require.NoError(t, err, "a disposition the server's catalog was extended with is accepted")
	require.Equal(t, []string{"create a v1"}, remote.writes)
}

func TestApplyDryRunOnlyPrintsThePlan(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("a", "A")})
	remote := newFakeRemote(live(waitingEntry("z", "1d"), 1))
	var out strings.Builder

	plan, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{DryRun: true, Prune: true}, &out)

	require.NoError(t, err)
	require.Empty(t, remote.writes)
	require.Len(t, plan.Writes(), 2)
	require.Equal(t, "create     a ("+filepath.Join(dir, "a.yaml")+")\ndelete     z v1 (not in "+dir+")\n"+
		"plan: 1 to create, 0 to update, 1 to delete, 0 unchanged\n", out.String())
}

func TestApplyPruneDeletesWhatTheFolderLacks(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("a", "A")})
	remote := newFakeRemote(live(waitingEntry("z", "1d"), 3))
	var out strings.Builder

	_, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{Prune: true}, &out)

	require.NoError(t, err)
	require.Equal(t, []string{"delete z", "create a v1"}, remote.writes)
	require.Contains(t, out.String(), "deleted z\ncreated a (v1)\n")
}

func TestApplyUpdatesAChangedFile(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("a", "A")})
	remote := newFakeRemote()
	_, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &strings.Builder{})
	require.NoError(t, err)
	changed := strings.Replace(waitEntry("a", "A"), `"1d"`, `"1w"`, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(changed), 0o644))
	var out strings.Builder

	_, err = entrysync.Apply(context.Background(), remote, dir, entrysync.Options{}, &out)

	require.NoError(t, err)
	require.Equal(t, []string{"create a v1", "update a v2"}, remote.writes)
	require.Contains(t, out.String(), "-      \"duration\": \"1d\"\n    +      \"duration\": \"1w\"\n")
	require.Contains(t, out.String(), "updated a (v2)\n")
}

// A change made on the server between the plan and its execution (someone
// else's apply, an edit through the API) must not be overwritten by a plan
// that never saw it: the write is made only over the version planned from.
func TestExecuteNeverOverwritesAChangeMadeAfterThePlan(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": strings.Replace(waitEntry("a", "A"), `"1d"`, `"1w"`, 1)})
	remote := newFakeRemote(entry.Entry{ID: "a", Name: "A", Enabled: true, Version: 1})
	plan, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{DryRun: true, Prune: true}, &strings.Builder{})
	require.NoError(t, err)
	require.Equal(t, 1, plan.Count(entrysync.Update))
	concurrent := remote.live["a"]
	remote.store("update", concurrent, 2) // someone else's change, after the plan

	err = entrysync.Execute(context.Background(), remote, &plan, &strings.Builder{})

	require.ErrorContains(t, err, "is at v2, not v1")
	require.Equal(t, 2, remote.live["a"].Version, "the other change stands")
	require.False(t, plan.Changes[0].Applied)
}

func TestExecuteMarksWhatItApplied(t *testing.T) {
	dir := writeDir(t, map[string]string{"a.yaml": waitEntry("a", "A")})
	remote := newFakeRemote(entry.Entry{ID: "b", Name: "B", Enabled: true, Version: 4})

	plan, err := entrysync.Apply(context.Background(), remote, dir, entrysync.Options{Prune: true}, &strings.Builder{})

	require.NoError(t, err)
	require.Equal(t, []string{"delete b", "create a v1"}, remote.writes, "deletions first")
	require.Equal(t, []entrysync.Change{
		{Action: entrysync.Create, ID: "a", File: plan.Changes[0].File, Entry: plan.Changes[0].Entry, Applied: true, NewVersion: 1},
		{Action: entrysync.Delete, ID: "b", Entry: plan.Changes[1].Entry, LiveVersion: 4, Applied: true},
	}, plan.Changes)
}
