package entrysync

import (
	"context"
	"fmt"
	"io"

	"github.com/ccflow/ccflow/core/entry"
)

// Remote is the part of ccflow's API that applying and exporting use;
// *apiclient.Client implements it.
type Remote interface {
	Catalog(ctx context.Context) (entry.Catalog, error)
	Entries(ctx context.Context) ([]entry.Entry, error)
	CreateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error)
	UpdateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error)
	DeleteEntry(ctx context.Context, id string) error
}

// Options change what Apply does.
type Options struct {
	// Prune deletes the live entries the folder does not hold.
	Prune bool
	// DryRun stops after printing the plan.
	DryRun bool
}

// Apply makes the live entries match the folder dir: it loads and
// validates every file against the server's disposition catalog (so the
// messages are the API's own), prints the plan to w and, unless
// opts.DryRun, carries it out, printing each write. When any file is
// wrong nothing is written. It returns the plan it made.
func Apply(ctx context.Context, r Remote, dir string, opts Options, w io.Writer) (Plan, error) {
	catalog, err := r.Catalog(ctx)
	if err != nil {
		return Plan{}, err
	}
	files, err := Load(dir, catalog)
	if err != nil {
		return Plan{}, err
	}
	live, err := r.Entries(ctx)
	if err != nil {
		return Plan{}, err
	}
	plan := NewPlan(dir, files, live, opts.Prune)
	plan.Print(w)
	if opts.DryRun {
		return plan, nil
	}
	return plan, Execute(ctx, r, plan, w)
}

// Execute makes the plan's writes in Plan.Writes order, printing each to w
// as it is done. It stops at the first error; applying the folder again
// carries on from there, since what was done is then unchanged.
func Execute(ctx context.Context, r Remote, p Plan, w io.Writer) error {
	writes := p.Writes()
	if len(writes) == 0 {
		fmt.Fprintln(w, "nothing to do")
		return nil
	}
	for _, c := range writes {
		switch c.Action {
		case Delete:
			if err := r.DeleteEntry(ctx, c.ID); err != nil {
				return err
			}
			fmt.Fprintf(w, "deleted %s\n", c.ID)
		case Update:
			updated, err := r.UpdateEntry(ctx, c.Entry)
			if err != nil {
				return fmt.Errorf("%s: %w", c.File, err)
			}
			fmt.Fprintf(w, "updated %s (v%d)\n", updated.ID, updated.Version)
		case Create:
			created, err := r.CreateEntry(ctx, c.Entry)
			if err != nil {
				return fmt.Errorf("%s: %w", c.File, err)
			}
			fmt.Fprintf(w, "created %s (v%d)\n", created.ID, created.Version)
		}
	}
	return nil
}
