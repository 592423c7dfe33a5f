package entrysync

import (
	"context"
	"fmt"
	"io"

	"github.com/ccflow/ccflow/core/entry"
)

// Remote is the part of ccflow's API that applying and exporting use;
// *apiclient.Client implements it. UpdateEntry with e.Version set, and
// DeleteEntry with a version, change the entry only while it is still at
// that version (If-Match), so a change made on the server between the plan
// and its execution is never overwritten: the write fails instead.
type Remote interface {
	Catalog(ctx context.Context) (entry.Catalog, error)
	Entries(ctx context.Context) ([]entry.Entry, error)
	CreateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error)
	UpdateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error)
	DeleteEntry(ctx context.Context, id string, version int) error
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
	err = Execute(ctx, r, &plan, w)
	return plan, err
}

// Execute makes the plan's writes in Plan.Writes order, printing each to w
// as it is done and marking it Applied in p. Updates and deletions are made
// only over the live version the plan saw. It stops at the first error;
// applying the folder again carries on from there, since what was done is
// then unchanged.
func Execute(ctx context.Context, r Remote, p *Plan, w io.Writer) error {
	if len(p.Writes()) == 0 {
		fmt.Fprintln(w, "nothing to do")
		return nil
	}
	for _, a := range writeOrder {
		for i := range p.Changes {
			c := &p.Changes[i]
			if c.Action != a {
				continue
			}
			if err := execute(ctx, r, c, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// execute makes one write and marks it Applied.
func execute(ctx context.Context, r Remote, c *Change, w io.Writer) error {
	switch c.Action {
	case Delete:
		if err := r.DeleteEntry(ctx, c.ID, c.LiveVersion); err != nil {
			return err
		}
		fmt.Fprintf(w, "deleted %s\n", c.ID)
	case Update:
		e := c.Entry
		e.Version = c.LiveVersion // only over what the plan compared with
		updated, err := r.UpdateEntry(ctx, e)
		if err != nil {
			return fmt.Errorf("%s: %w", c.File, err)
		}
		c.NewVersion = updated.Version
		fmt.Fprintf(w, "updated %s (v%d)\n", updated.ID, updated.Version)
	case Create:
		created, err := r.CreateEntry(ctx, c.Entry)
		if err != nil {
			return fmt.Errorf("%s: %w", c.File, err)
		}
		c.NewVersion = created.Version
		fmt.Fprintf(w, "created %s (v%d)\n", created.ID, created.Version)
	}
	c.Applied = true
	return nil
}
