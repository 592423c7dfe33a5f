//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
)

// The use cases the administrator's console adds: saving from the version
// read, versions, runs of an entry and known services.

func newConsoleService(t *testing.T) *usecase.Service {
	t.Helper()
	return &usecase.Service{Store: testenv.Store(t), Temporal: testenv.Temporal(t), TaskQueue: testenv.TaskQueue(t)}
}

func consoleEntry(name, service string) entry.Entry {
	return entry.Entry{Name: name, Service: service, Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}}
}

func TestUpdateEntryValidatesBeforeItComparesVersions(t *testing.T) {
	t.Parallel()
	svc, ctx := newConsoleService(t), context.Background()
	e, err := svc.CreateEntry(ctx, consoleEntry("Survey", ""))
	require.NoError(t, err)

	bad := e
	bad.Name = " "
	_, err = svc.UpdateEntry(ctx, bad, 7)
	require.Equal(t, "name", validation.First(err).Path, "a form's mistakes are shown before any conflict")

	e.Service = "Billing Support"
	_, err = svc.UpdateEntry(ctx, e, 7)
	var stale *usecase.StaleError
	require.ErrorAs(t, err, &stale)
	require.Equal(t, 1, stale.Current)

	saved, err := svc.UpdateEntry(ctx, e, 1)
	require.NoError(t, err)
	require.Equal(t, 2, saved.Version)
	require.Equal(t, "Billing Support", saved.Service)
}

func TestEntryVersionsOfAnUnknownEntryIsNotFound(t *testing.T) {
	t.Parallel()
	svc, ctx := newConsoleService(t), context.Background()

	_, err := svc.EntryVersions(ctx, "nothing", 0, 10)

	require.ErrorIs(t, err, usecase.ErrNotFound)
}

func TestServicesListsEachServiceOnceInOrder(t *testing.T) {
	t.Parallel()
	svc, ctx := newConsoleService(t), context.Background()
	for i, service := range []string{"Claims", "", "billing support", "Billing Support", "Technical Support"} {
		_, err := svc.CreateEntry(ctx, consoleEntry(fmt.Sprintf("Entry %d", i), service))
		require.NoError(t, err)
	}
	p := policy.Default()
	p.ServiceTimeZones = map[string]string{"Sales": "America/Chicago", "CLAIMS": "Europe/Berlin"}
	_, err := svc.SavePolicyDocument(ctx, p)
	require.NoError(t, err)

	services, err := svc.Services(ctx)

	require.NoError(t, err)
	require.Equal(t, []string{"billing support", "Claims", "Sales", "Technical Support"}, services)
}

// Runs Temporal does not hold are shown from the store, each as Run shows
// it, newest first.
func TestEntryRunsShowsTheLatestRunsNewestFirst(t *testing.T) {
	t.Parallel()
	svc, ctx := newConsoleService(t), context.Background()
	now := time.Now()
	for i := range 5 {
		id := fmt.Sprintf("INT-%s-%d", t.Name(), i)
		require.NoError(t, svc.Store.RecordRun(ctx, store.Run{
			WorkflowID: "survey/" + id, RunID: "r", EntryID: "survey", EntryVersion: 1, InteractionID: id,
			Trigger: "t", StartedAt: now.Add(time.Duration(i) * time.Minute),
		}))
	}

	runs, err := svc.EntryRuns(ctx, "survey", 3)

	require.NoError(t, err)
	require.Len(t, runs, 3)
	for i, r := range runs {
		require.Equal(t, fmt.Sprintf("survey/INT-%s-%d", t.Name(), 4-i), r.WorkflowID)
		require.Equal(t, "Unknown", r.Status)
	}
	counts, err := svc.RunCountsSince(ctx, now.Add(2*time.Minute))
	require.NoError(t, err)
	require.Equal(t, map[string]int{"survey": 3}, counts)
}
