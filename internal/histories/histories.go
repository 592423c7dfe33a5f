// Package histories records the workflow histories that the replay tests
// replay against the current interpreter. Each scenario creates an entry,
// posts an ended interaction through the starter's ingest path, acts on
// the run as a customer or an operator would (answering its survey,
// clearing an event, cancelling it), waits for the run to close and writes
// its history as JSON, in the format `temporal workflow show --output
// json` writes, to <dir>/<prefix><scenario>.json.
//
// The runs are real: a worker in this process runs the registered
// workflows and the real activities, on a Temporal server and a PostgreSQL
// database of the caller's choosing (`make record-histories` gives it
// private ones). Email and SMS go to an outbox folder that is removed
// afterwards; http_request steps reach a loopback API through a connection.
package histories

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/store"
)

// Options say what to record and where.
type Options struct {
	Temporal client.Client
	Store    *store.Store
	// Dir is the folder the histories are written to.
	Dir string
	// Prefix starts every file name, e.g. "v2-" for histories recorded
	// after a versioned change to the interpreter.
	Prefix string
	// Scenarios names the scenarios to record; empty means all of them.
	Scenarios []string
	// Replace records a scenario again when its file exists. Without it
	// the file is kept: it may be the only history left of a run under
	// older code, which is what proves that such runs still replay.
	Replace bool
	// Progress gets a line per scenario.
	Progress io.Writer
}

// Scenarios are the names of the scenarios Record knows, in the order it
// records them.
func Scenarios() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// Record runs the chosen scenarios one after the other and writes each
// run's history. It stops at the first scenario that does not end as it
// should.
func Record(ctx context.Context, o Options) error {
	chosen, err := choose(o.Scenarios)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("making the histories folder %s: %w", o.Dir, err)
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	sys, err := startSystem(ctx, o.Temporal, o.Store)
	if err != nil {
		return err
	}
	defer sys.stop()

	for _, sc := range chosen {
		file := filepath.Join(o.Dir, o.Prefix+sc.name+".json")
		if _, err := os.Stat(file); err == nil && !o.Replace {
			fmt.Fprintf(progress, "keeping %s: it exists (replace it only if no run of the code that recorded it can still be open)\n", file)
			continue
		}
		start := time.Now()
		events, err := sys.record(ctx, sc, file)
		if err != nil {
			return fmt.Errorf("recording scenario %s: %w", sc.name, err)
		}
		// One line when done, so the worker's log lines never split it.
		fmt.Fprintf(progress, "recorded %s … %.1fs, %d events in %s\n", sc.name, time.Since(start).Seconds(), events, file)
	}
	return nil
}

// choose returns the scenarios called names, all of them for none.
func choose(names []string) ([]scenario, error) {
	if len(names) == 0 {
		return scenarios, nil
	}
	var chosen []scenario
	var errs []error
	for _, name := range names {
		i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
		if i < 0 {
			errs = append(errs, fmt.Errorf("no scenario is called %q (known: %v)", name, Scenarios()))
			continue
		}
		chosen = append(chosen, scenarios[i])
	}
	return chosen, errors.Join(errs...)
}
