package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/core/interaction"
)

// match reads the event at path ("-" for stdin), asks ccflow which entries
// it matches without starting anything, and prints one line per match, or
// the API's answer as JSON.
func match(ctx context.Context, client *apiclient.Client, path string, stdin io.Reader, stdout io.Writer, asJSON bool) error {
	var (
		event []byte
		err   error
	)
	if path == "-" {
		event, err = io.ReadAll(stdin)
	} else {
		event, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("reading the event: %w", err)
	}
	res, err := client.DryRun(ctx, event)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if asJSON {
		return writeJSON(stdout, res)
	}
	printMatches(stdout, res)
	return nil
}

// printMatches writes a table: entry and version, the trigger that held,
// the workflow ID, and whether a run would start or already exists.
func printMatches(w io.Writer, res interaction.Result) {
	if len(res.Matches) == 0 {
		fmt.Fprintf(w, "interaction %s: no entry matches\n", res.InteractionID)
		return
	}
	if len(res.Matches) == 1 {
		fmt.Fprintf(w, "interaction %s: 1 entry matches\n", res.InteractionID)
	} else {
		fmt.Fprintf(w, "interaction %s: %d entries match\n", res.InteractionID, len(res.Matches))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, m := range res.Matches {
		fmt.Fprintf(tw, "  %s v%d\t%s\tworkflow %s\t%s\n",
			m.EntryID, m.EntryVersion, m.Trigger, m.WorkflowID, strings.ReplaceAll(m.Status, "_", " "))
	}
	tw.Flush()
}
