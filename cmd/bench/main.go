// Command bench measures ccflow's performance figures against a running
// system and prints them as one table, each beside its reference measured
// in the same run. `make bench` runs it inside `devenv system`, which
// starts the embedded default (the Temporal dev server on SQLite,
// PostgreSQL, the worker and the starter) and names them in the
// environment.
//
// Usage:
//
//	bench [-phase 20s] [-in-flight 16] [-rate 100] [-rate-for 30s]
//	      [-extra-entries 2000] [-sleeping 10000] [-simulated-events 10000]
//	      [-first-message-rates 5,25,50] [-first-message-for 20s]
//	      [-results-answers 1000000] [-results-messages 3000000] [-results-queries 40]
//	      [-skip memory,rate] [-only simulation,results]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg := bench.Config{Progress: os.Stderr, Skip: map[string]bool{}, Only: map[string]bool{}}
	var skip, only string
	flag.DurationVar(&cfg.Phase, "phase", 20*time.Second, "how long each throughput figure measures")
	flag.IntVar(&cfg.InFlight, "in-flight", 16, "starts or requests in flight in the throughput figures")
	flag.Float64Var(&cfg.Rate, "rate", 100, "events per second of the open-loop figure")
	flag.DurationVar(&cfg.RateFor, "rate-for", 30*time.Second, "how long the open-loop figure sends")
	flag.IntVar(&cfg.ExtraEntries, "extra-entries", 2000, "entries the many-entries dry run adds")
	flag.IntVar(&cfg.Sleeping, "sleeping", 10_000, "sleeping runs of the memory figure")
	flag.IntVar(&cfg.SimulatedEvents, "simulated-events", 10_000, "recorded events the simulation figure simulates")
	var rates string
	flag.StringVar(&rates, "first-message-rates", "5,25,50", "open-loop rates (events/s) of the event → first message figure")
	flag.DurationVar(&cfg.FirstMessageFor, "first-message-for", 20*time.Second, "how long each rate of the first-message figure sends")
	flag.StringVar(&skip, "skip", "", "figures not to measure: index, cel, simulation, results, starts, rate, first-message, interpreter, entries, memory")
	flag.StringVar(&only, "only", "", "the only figures to measure, as -skip names them (e.g. simulation)")
	flag.IntVar(&cfg.ResultsAnswers, "results-answers", 1_000_000, "survey answers the results figures load")
	flag.IntVar(&cfg.ResultsMessages, "results-messages", 3_000_000, "messages the results figures load (two a run)")
	flag.IntVar(&cfg.ResultsQueries, "results-queries", 40, "times each results query is timed")
	flag.Parse()
	for _, r := range strings.Split(rates, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("-first-message-rates: %q is not a rate", r)
		}
		cfg.FirstMessageRates = append(cfg.FirstMessageRates, v)
	}
	for _, f := range []struct {
		names string
		into  map[string]bool
	}{{skip, cfg.Skip}, {only, cfg.Only}} {
		for _, k := range strings.Split(f.names, ",") {
			if k = strings.TrimSpace(k); k != "" {
				f.into[k] = true
			}
		}
	}
	if cfg.ResultsAnswers < 1 || cfg.ResultsMessages < 2*cfg.ResultsAnswers {
		return fmt.Errorf("-results-messages (%d) must be at least twice -results-answers (%d): a run sends two messages and has one survey",
			cfg.ResultsMessages, cfg.ResultsAnswers)
	}

	need := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			fmt.Fprintf(os.Stderr, "bench: %s is not set: run me through `make bench` (devenv system)\n", name)
			os.Exit(2)
		}
		return v
	}
	cfg.BaseURL, cfg.Token = need("CCFLOW_URL"), os.Getenv("CCFLOW_API_TOKEN")
	cfg.DatabaseURL, cfg.OutboxDir = need("DATABASE_URL"), need("CCFLOW_OUTBOX_DIR")
	cfg.TaskQueue = need("CCFLOW_TASK_QUEUE")
	cfg.SMTPAddr = os.Getenv("CCFLOW_SMTP_ADDR")
	pid := func(name string) int {
		n, _ := strconv.Atoi(os.Getenv(name))
		return n
	}
	cfg.Processes = bench.Processes{Temporal: pid("CCFLOW_TEMPORAL_PID"), Postgres: pid("CCFLOW_POSTGRES_PID"),
		Worker: pid("CCFLOW_WORKER_PID"), Starter: pid("CCFLOW_STARTER_PID")}
	need("CCFLOW_WORKER_PID")

	// The raw SDK starts, the reference of ingest, dial as the starter
	// does: the same codec and compression.
	need("TEMPORAL_ADDRESS")
	keys, err := config.PayloadKeys()
	if err != nil {
		return err
	}
	opts, err := config.TemporalClientOptions(keys)
	if err != nil {
		return err
	}
	opts.Logger = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	tc, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connecting to Temporal: %w", err)
	}
	defer tc.Close()
	cfg.Temporal = tc

	started := time.Now()
	rows, err := bench.Run(ctx, cfg)
	fmt.Printf("\nccflow figures, measured in one run of %s (each beside its reference from the same run)\n\n",
		time.Since(started).Round(time.Second))
	if werr := bench.Write(os.Stdout, rows); werr != nil {
		return werr
	}
	return err
}
