// Command ccflowctl manages a running ccflow's entries as files kept in a
// repository ("entries as code"), dry-runs events against them, and
// measures how fast it ingests events.
//
//	ccflowctl apply [--prune] [--dry-run] DIR   make the live entries match DIR's files
//	ccflowctl export DIR                        write the live entries into DIR
//	ccflowctl match EVENT.json                  which entries an event matches (- reads stdin)
//	ccflowctl load [--events N] [--dry-run] …   post N events and measure latency and throughput
//
// Every command takes --url (default $CCFLOW_URL, else http://localhost:8080)
// and --token (default $CCFLOW_API_TOKEN).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/client/entrysync"
)

const usage = `usage:
  ccflowctl apply [--prune] [--dry-run] DIR   make the live entries match the entry files in DIR
  ccflowctl export DIR                        write every live entry into DIR as <id>.yaml
  ccflowctl match EVENT.json                  show which entries an event matches, starting nothing ("-" reads stdin)
  ccflowctl load [--events N] [--concurrency C] [--rate R] [--event FILE] [--dry-run] [--timeout D]
      post N ended interactions, each with an id of its own, made from FILE (default SPEC's
      example event): with --rate, R a second open loop (each event sent when due, answered or
      not, its latency counted from then; at most C waiting, default 8); without, from C senders
      as fast as answered. Shows a progress bar on stderr and a summary of latency
      (p50/p95/p99/max), throughput, match statuses and errors; --dry-run starts nothing; stop
      after D (default 5m); exit 1 if any request failed

flags of every command (before its arguments):
  --url URL      ccflow's address (default $CCFLOW_URL, else http://localhost:8080)
  --token TOKEN  API bearer token (default $CCFLOW_API_TOKEN)
`

// errUsage marks a command line that is wrong, which exits with 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "ccflowctl:", err)
		os.Exit(1)
	}
}

// run carries out the command in args, reading an event from stdin for
// "match -", and writing its report to stdout.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	name, args := args[0], args[1:]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errUsage prints the one usage text
	url := fs.String("url", envOr("CCFLOW_URL", "http://localhost:8080"), "")
	token := fs.String("token", os.Getenv("CCFLOW_API_TOKEN"), "")
	var opts entrysync.Options
	if name == "apply" {
		fs.BoolVar(&opts.Prune, "prune", false, "")
		fs.BoolVar(&opts.DryRun, "dry-run", false, "")
	}
	var loadOpts loadOptions
	if name == "load" {
		loadOpts.register(fs)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if name == "load" {
		if fs.NArg() != 0 {
			return errUsage
		}
		return load(ctx, *url, *token, loadOpts, stdout, os.Stderr)
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	arg := fs.Arg(0)
	client := apiclient.New(*url, *token, nil)

	switch name {
	case "apply":
		_, err := entrysync.Apply(ctx, client, arg, opts, stdout)
		return err
	case "export":
		return entrysync.Export(ctx, client, arg, stdout)
	case "match":
		return match(ctx, client, arg, stdin, stdout)
	}
	return errUsage
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
