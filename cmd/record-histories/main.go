// Command record-histories records, through a real worker and servers, the
// workflow histories the replay tests replay (see internal/histories and
// docs/versioning.md). Run it with servers of its own:
//
//	make record-histories [PREFIX=v2-] [SCENARIOS="survey-answered cancelled"] [REPLACE=1]
//
// It reads DATABASE_URL and the TEMPORAL_* variables as the worker does.
// Payloads are encrypted with the tests' public keys (codec/codectest),
// the keys the replay tests decrypt with, so the corpus holds runs as a
// deployment with CCFLOW_PAYLOAD_KEYS stores them.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/codec/codectest"
	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/internal/histories"
	"github.com/ccflow/ccflow/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "record-histories:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	o := histories.Options{Progress: os.Stdout}
	flag.StringVar(&o.Dir, "dir", "testdata/histories", "folder the histories are written to")
	flag.StringVar(&o.Prefix, "prefix", "", `start of every file name, e.g. "v2-" after a versioned change`)
	flag.BoolVar(&o.Replace, "replace", false, "record a scenario again when its file exists")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: record-histories [flags] [scenario...]\nscenarios: %s\n",
			strings.Join(histories.Scenarios(), " "))
		flag.PrintDefaults()
	}
	flag.Parse()
	o.Scenarios = flag.Args()

	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		return fmt.Errorf("DATABASE_URL is not set: run `make record-histories`, which starts private servers")
	}
	st, err := store.OpenMigrated(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	o.Store = st

	opts, err := config.TemporalClientOptions(codectest.Keyring())
	if err != nil {
		return err
	}
	opts.Logger = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connecting to Temporal at %s: %w", opts.HostPort, err)
	}
	defer c.Close()
	o.Temporal = c

	return histories.Record(ctx, o)
}
