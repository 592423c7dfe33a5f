// Command devenv runs ccflow's local environment (`make dev`) and runs a
// command, such as go test, with PostgreSQL and Temporal servers of its own
// (`make test`).
//
// Usage:
//
//	devenv dev
//	devenv test -- COMMAND [ARG...]
//	devenv system -- COMMAND [ARG...]
//	devenv plain -- COMMAND [ARG...]
//
// system runs the command against a whole ccflow of its own (PostgreSQL,
// the Temporal dev server on SQLite, the worker and the starter, set up as
// `make dev` sets them up), as `make bench` does. plain runs the command
// with no server and fails if it started one (PostgreSQL, Temporal, a
// package install), as `make test-plain` runs go test ./... .
//
//	devenv --version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/internal/devenv"
)

const usage = "usage: devenv dev | devenv test -- COMMAND [ARG...] | devenv system -- COMMAND [ARG...] | devenv plain -- COMMAND [ARG...] | devenv --version"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	switch {
	case slices.Equal(args, []string{"--version"}):
		fmt.Println("devenv", buildinfo.Read())
		return 0
	case slices.Equal(args, []string{"dev"}):
		if err := devenv.Dev(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "devenv:", err)
			return 1
		}
		return 0
	case len(args) > 1 && (args[0] == "test" || args[0] == "system" || args[0] == "plain"):
		command := args[1:]
		if command[0] == "--" {
			command = command[1:]
		}
		runWith := map[string]func(context.Context, []string) (int, error){
			"test": devenv.Test, "system": devenv.System, "plain": devenv.Plain,
		}[args[0]]
		code, err := runWith(ctx, command)
		if err != nil {
			fmt.Fprintln(os.Stderr, "devenv:", err)
		}
		return code
	default:
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
}
