//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/usecase"
)

// liveEntries is how many entries the benchmark's contact center has; one
// in five fires on the event.
const liveEntries = 50

// BenchmarkIngestDryRun measures the match path of one event against the
// real PostgreSQL: loading the live entries, matching them, and looking up
// the run of each match. A dry run starts nothing, so Temporal is not on
// the path and the benchmark leaves no run behind.
func BenchmarkIngestDryRun(b *testing.B) {
	st := testenv.Store(b)
	svc := &usecase.Service{Store: st, Temporal: testenv.Temporal(b), TaskQueue: testenv.TaskQueue(b)}
	ctx := context.Background()
	seed := seedEntry(b)
	dispositions := []string{"Problem solved", "Answer provided", "Spam", "Needs approval", "Approved"}
	for i := range liveEntries {
		e := seed
		e.ID, e.Name = fmt.Sprintf("entry-%02d", i), fmt.Sprintf("Entry %02d", i)
		e.Triggers = []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: dispositions[i%len(dispositions)]}}
		if _, err := st.CreateEntry(ctx, e); err != nil {
			b.Fatalf("creating entry %s: %v", e.ID, err)
		}
	}
	var ev interaction.Event // SPEC's example: disposition "Problem solved"
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		res, err := svc.Ingest(ctx, ev, true)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Matches) != liveEntries/len(dispositions) {
			b.Fatalf("%d matches, want %d", len(res.Matches), liveEntries/len(dispositions))
		}
	}
}

// seedEntry is the example entry of SPEC's seed scenario: the steps of a
// typical entry, which the store decodes on every ingest.
func seedEntry(b *testing.B) entry.Entry {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "entries", "post-call-survey.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	e, err := entry.DecodeYAML(data)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkIngestForReal measures ingest in a starter whose background
// work runs, as a real event: one that matches one entry and starts its
// run in Temporal, and one that matches nothing (the cheapest path, where
// any work ingest adds shows most), each naming its customer.
func BenchmarkIngestForReal(b *testing.B) {
	st := testenv.Store(b)
	svc := &usecase.Service{Store: st, Temporal: testenv.Temporal(b), TaskQueue: testenv.TaskQueue(b)}
	ctx, stop := context.WithCancel(context.Background())
	if _, err := st.CreateEntry(ctx, entry.Entry{ID: "survey", Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{ID: "pause", Spec: &entry.Wait{Duration: "1d"}}}}); err != nil {
		b.Fatal(err)
	}
	done, err := svc.StartBackground(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stop(); <-done })
	var ev interaction.Event
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		b.Fatal(err)
	}
	stamp := fmt.Sprintf("%x", time.Now().UnixNano())
	var n atomic.Int64 // every event new, however often the loop runs
	for _, bc := range []struct{ name, disposition string }{{"one match", "Problem solved"}, {"no match", "Spam"}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				i := n.Add(1)
				e := ev
				c := *ev.Customer
				e.Customer = &c
				e.InteractionID = fmt.Sprintf("BENCH-%s-%s-%d", stamp, bc.disposition[:4], i)
				e.Disposition = bc.disposition
				c.ID = fmt.Sprintf("C-%s-%d", stamp, i)
				if _, err := svc.Ingest(ctx, e, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
