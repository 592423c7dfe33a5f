package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
)

func applyCommand(g *globals) *cobra.Command {
	var (
		opts entrysync.Options
		out  output
	)
	cmd := &cobra.Command{
		Use:   "apply DIR",
		Short: "Make the live entries match the entry files in DIR",
		Long: `apply validates every entry file in DIR (*.yaml, *.yml, *.json, one entry each) against the
server's disposition catalog, prints the plan (a diff for each changed entry) and carries it out.
If any file is wrong nothing is written. An update or deletion is made only over the version the
plan was made from: a change made on the server in between fails the write (412) instead of being
overwritten; apply again to see it in the plan.`,
		Args: exactArgs(1, "one folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := out.json()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				w = io.Discard
			}
			plan, err := entrysync.Apply(cmd.Context(), g.client(), args[0], opts, w)
			if asJSON && len(plan.Changes)+len(plan.Kept) > 0 {
				if encErr := writeJSON(cmd.OutOrStdout(), applyJSON(plan, opts)); encErr != nil {
					return encErr
				}
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "also delete the live entries DIR lacks")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan only")
	out.register(cmd)
	return cmd
}

// appliedChange is one change of `apply --output json`.
type appliedChange struct {
	Action      entrysync.Action `json:"action"`
	ID          string           `json:"id"`
	File        string           `json:"file,omitempty"`
	LiveVersion int              `json:"live_version,omitempty"`
	Applied     bool             `json:"applied"`
	Version     int              `json:"version,omitempty"`
	Diff        string           `json:"diff,omitempty"`
}

// appliedPlan is the answer of `apply --output json`.
type appliedPlan struct {
	Dir     string          `json:"dir"`
	DryRun  bool            `json:"dry_run"`
	Changes []appliedChange `json:"changes"`
	Kept    []string        `json:"kept"`
}

func applyJSON(p entrysync.Plan, opts entrysync.Options) appliedPlan {
	out := appliedPlan{Dir: p.Dir, DryRun: opts.DryRun, Changes: []appliedChange{}, Kept: p.Kept}
	if out.Kept == nil {
		out.Kept = []string{}
	}
	for _, c := range p.Changes {
		out.Changes = append(out.Changes, appliedChange{Action: c.Action, ID: c.ID, File: c.File,
			LiveVersion: c.LiveVersion, Applied: c.Applied, Version: c.NewVersion, Diff: c.Diff})
	}
	return out
}

func exportCommand(g *globals) *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "export DIR",
		Short: "Write every live entry into DIR as <id>.yaml",
		Long: `export writes every live entry into DIR, without what the server assigns, so that applying DIR
right after changes nothing. An entry goes into the file of DIR that already holds it, if any.`,
		Args: exactArgs(1, "one folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := out.json()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				w = io.Discard
			}
			done, err := entrysync.Export(cmd.Context(), g.client(), args[0], w)
			if err != nil || !asJSON {
				return err
			}
			type file struct {
				Path    string `json:"path"`
				ID      string `json:"id"`
				Version int    `json:"version,omitempty"`
			}
			answer := struct {
				Written []file `json:"written"`
				Left    []file `json:"left"`
			}{Written: []file{}, Left: []file{}}
			for _, f := range done.Written {
				answer.Written = append(answer.Written, file(f))
			}
			for _, f := range done.Left {
				answer.Left = append(answer.Left, file(f))
			}
			return writeJSON(cmd.OutOrStdout(), answer)
		},
	}
	out.register(cmd)
	return cmd
}

func validateCommand() *cobra.Command {
	var catalogFile string
	cmd := &cobra.Command{
		Use:   "validate DIR...",
		Short: "Check entry files offline, as the API would (for a contact center's CI)",
		Long: `validate checks every entry file in each DIR exactly as apply and the API would, without a
server: the format, every field, templates, durations, conditions, and the dispositions against
SPEC's default catalog, or the catalog in --catalog (the JSON GET /v1/dispositions answers, or the
same as YAML). It prints one line per file and exits 1 if any file is wrong.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &argsError{"validate takes one or more folders"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			catalog := entry.DefaultCatalog()
			if catalogFile != "" {
				var err error
				if catalog, err = readCatalog(catalogFile); err != nil {
					return err
				}
			}
			return validate(cmd.OutOrStdout(), args, catalog)
		},
	}
	cmd.Flags().StringVar(&catalogFile, "catalog", "", "disposition catalog file (default: SPEC's default catalog)")
	return cmd
}

// validate loads every folder in dirs against catalog and reports each
// file; it fails when any file is wrong.
func validate(w io.Writer, dirs []string, catalog entry.Catalog) error {
	var errs []error
	for _, dir := range dirs {
		files, err := entrysync.Load(dir, catalog)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range files {
			fmt.Fprintf(w, "ok  %s (%s)\n", f.Path, f.Entry.ID)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// readCatalog reads a disposition catalog, JSON or YAML.
func readCatalog(path string) (entry.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return entry.Catalog{}, fmt.Errorf("reading the catalog: %w", err)
	}
	var c entry.Catalog
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return entry.Catalog{}, fmt.Errorf("%s: not a disposition catalog ({\"interaction\": [...], \"case\": [...]}): %w", path, err)
	}
	return c, nil
}

func matchCommand(g *globals) *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "match EVENT.json",
		Short: `Show which entries an event matches, starting nothing ("-" reads stdin)`,
		Args:  exactArgs(1, `one event file ("-" for stdin)`),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := out.json()
			if err != nil {
				return err
			}
			return match(cmd.Context(), g.client(), args[0], cmd.InOrStdin(), cmd.OutOrStdout(), asJSON)
		},
	}
	out.register(cmd)
	return cmd
}

func loadCommand(g *globals) *cobra.Command {
	var (
		opts loadOptions
		out  output
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Post ended interactions and measure latency and throughput",
		Long: `load posts --events ended interactions (from --concurrency senders, --rate a second or as fast
as answered), each with an id of its own, made from --event (default SPEC's example event); it
shows progress on stderr and a summary of latency, throughput, match statuses and errors.
--dry-run starts nothing. It stops after --timeout and exits 1 if any request failed.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := out.json()
			if err != nil {
				return err
			}
			opts.json = asJSON
			return load(cmd.Context(), g.url, g.token, opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.register(cmd)
	out.register(cmd)
	return cmd
}

// writeJSON writes v indented, for people reading a script's input too.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
