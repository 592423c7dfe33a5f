// Command ccflowctl manages a running ccflow's entries as files kept in a
// repository ("entries as code"), checks entry files offline, dry-runs
// events against the live entries, and measures how fast ccflow ingests
// events.
//
//	ccflowctl apply [--prune] [--dry-run] DIR   make the live entries match DIR's files
//	ccflowctl export DIR                        write the live entries into DIR
//	ccflowctl validate [--catalog FILE] DIR…    check entry files without a server (for CI)
//	ccflowctl match EVENT.json                  which entries an event matches (- reads stdin)
//	ccflowctl load [--events N] [--dry-run] …   post N events and measure latency and throughput
//
// The commands that talk to ccflow take --url (default $CCFLOW_URL, else
// http://localhost:8080) and --token (default $CCFLOW_API_TOKEN); apply,
// export, match and load take --output json for scripts. Flags may come
// anywhere on the line; every command has --help, and ccflowctl --version
// says which build it is.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/client/apiclient"
)

// errUsage marks a command line that is wrong, which exits with 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "ccflowctl:", err)
		fmt.Fprintln(os.Stderr, "Run 'ccflowctl --help' for the commands, 'ccflowctl COMMAND --help' for one.")
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "ccflowctl:", err)
		os.Exit(1)
	}
}

// run carries out the command in args, reading an event from stdin for
// "match -", and writing its report to stdout. A wrong command line is an
// error wrapping errUsage.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	root := newRoot(stdin, stdout, os.Stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var flagErr *flagError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &flagErr), isCobraUsage(err):
		return fmt.Errorf("%w: %s", errUsage, err.Error())
	}
	return err
}

// globals are the flags every command that talks to ccflow takes.
type globals struct {
	url, token string
}

func (g *globals) client() *apiclient.Client { return apiclient.New(g.url, g.token, nil) }

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var g globals
	root := &cobra.Command{
		Use:   "ccflowctl",
		Short: "Manage a ccflow's entries as files, check them offline, dry-run events and load-test ingest",
		Long: `ccflowctl manages a running ccflow's workflow entries as files kept in a repository
("entries as code"), checks entry files offline for a contact center's CI, shows which entries
an event matches without starting anything, and measures how fast ccflow ingests events.`,
		Version: buildinfo.Read().String(),
		// Without a command there is nothing to do: a usage error, as is a
		// command ccflowctl does not have.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &flagError{fmt.Errorf("unknown command %q", args[0])}
			}
			return &flagError{errors.New("a command is required")}
		},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("ccflowctl {{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err} })
	root.PersistentFlags().StringVar(&g.url, "url", envOr("CCFLOW_URL", "http://localhost:8080"), "ccflow's address ($CCFLOW_URL)")
	root.PersistentFlags().StringVar(&g.token, "token", os.Getenv("CCFLOW_API_TOKEN"), "API bearer token ($CCFLOW_API_TOKEN)")
	root.AddCommand(applyCommand(&g), exportCommand(&g), validateCommand(), matchCommand(&g), loadCommand(&g))
	return root
}

// flagError is a wrong flag or argument, which exits with 2.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

// isCobraUsage reports the errors cobra makes itself for a wrong command
// line (an unknown command, a wrong number of arguments).
func isCobraUsage(err error) bool {
	var argsErr *argsError
	return errors.As(err, &argsErr)
}

// argsError is a wrong number of arguments.
type argsError struct{ msg string }

func (e *argsError) Error() string { return e.msg }

// exactArgs accepts n arguments, naming them in the error.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return &argsError{fmt.Sprintf("%s takes %s, got %d argument(s)", cmd.Name(), names, len(args))}
		}
		return nil
	}
}

// output is the --output flag of the commands that can answer JSON.
type output struct{ format string }

func (o *output) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.format, "output", "o", "text", "text, or json for scripts")
}

func (o *output) json() (bool, error) {
	switch o.format {
	case "text":
		return false, nil
	case "json":
		return true, nil
	}
	return false, &flagError{fmt.Errorf("--output must be text or json, not %q", o.format)}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
