//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/telemetry"
)

// A customer the entry's sample leaves out starts nothing, in the dry run
// and for real, and is counted in the starts metric as sampled_out; one
// it takes starts a run; the same customer is out again on another
// interaction.
func TestIngestLeavesOutTheCustomersAnEntrysSampleDoesNotTake(t *testing.T) {
	f := newFixture(t)
	reg := prometheus.NewRegistry()
	f.svc.Metrics = telemetry.NewMetrics(reg)
	pct := 25
	e, err := f.store.CreateEntry(context.Background(), entry.Entry{ID: "sampled", Name: "Sampled", Enabled: true, SamplePercent: &pct,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}},
	})
	require.NoError(t, err)
	var in, out string
	for i := 0; in == "" || out == ""; i++ {
		if c := fmt.Sprintf("C-%d", i); entry.Sampled(e, c, "") {
			in = c
		} else {
			out = c
		}
	}
	ingest := func(customer string, dryRun bool) interaction.MatchResult {
		ev := event("Problem solved")
		ev.Customer = &interaction.Customer{ID: customer}
		res, err := f.svc.Ingest(context.Background(), ev, dryRun)
		require.NoError(t, err)
		f.terminateAtCleanup(t, res)
		require.Len(t, res.Matches, 1)
		return res.Matches[0]
	}

	require.Equal(t, interaction.StatusSampledOut, ingest(out, true).Status)
	require.Equal(t, interaction.StatusSampledOut, ingest(out, false).Status)
	require.Equal(t, interaction.StatusSampledOut, ingest(out, false).Status, "another interaction of the same customer")
	started := ingest(in, false)
	require.Equal(t, interaction.StatusStarted, started.Status)

	require.Equal(t, 3.0, starts(t, reg, "sampled", interaction.StatusSampledOut))
	require.Equal(t, 1.0, starts(t, reg, "sampled", interaction.StatusStarted))
}

// starts reads ccflow_workflow_starts_total of entry and status.
func starts(t *testing.T, reg *prometheus.Registry, entryID, status string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range families {
		if mf.GetName() != "ccflow_workflow_starts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["entry"] == entryID && labels["status"] == status {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
