// Command soak is ccflow's chaos soak (`make soak`): it starts a whole
// ccflow as `make dev` runs it (PostgreSQL, the Temporal dev server on
// SQLite, the worker and the starter) with an SMTP server and a
// Twilio-shaped server on loopback that count what they receive, posts
// events through the API at a fixed rate while it kills the worker with
// SIGKILL and restarts the Temporal dev server and PostgreSQL, waits for
// every run to finish and prints what was sent, started, received, lost
// and duplicated, and what the contact policy (quiet hours, a daily cap,
// opt-outs made mid-run) held or skipped. It exits 1 when anything was
// lost, duplicated beyond the documented gap, sent against the policy or
// skipped without cause; 2 when the soak itself could not run.
//
// Usage:
//
//	soak [-events 5000] [-rate 20] [-kills 6] [-temporal-restarts 3]
//	     [-postgres-restarts 3] [-survey-wait 20s] [-wait 5s]
//	     [-answer-every 2] [-duplicate-every 10] [-daily-cap 3] [-quiet-for 1m]
//	     [-opt-out-every 7] [-drain 5m] [-logs DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ccflow/ccflow/internal/soak"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx))
}

func run(ctx context.Context) int {
	cfg := soak.Config{Progress: os.Stderr}
	flag.IntVar(&cfg.Plan.Events, "events", 5000, "distinct events to post, each starting one run")
	flag.Float64Var(&cfg.Rate, "rate", 20, "events posted per second, open loop")
	flag.IntVar(&cfg.Concurrency, "concurrency", 256, "posts in flight at most, retries included")
	flag.IntVar(&cfg.Kills, "kills", 6, "kill -9s of the worker while the events are sent")
	flag.IntVar(&cfg.TemporalRestarts, "temporal-restarts", 3, "restarts of the Temporal dev server")
	flag.IntVar(&cfg.PostgresRestarts, "postgres-restarts", 3, "restarts of PostgreSQL (fast shutdown)")
	flag.DurationVar(&cfg.Plan.SurveyWait, "survey-wait", 20*time.Second, "how long each survey waits for its answer")
	flag.DurationVar(&cfg.Plan.Wait, "wait", 5*time.Second, "the wait between the survey and the last message")
	flag.IntVar(&cfg.Plan.AnswerEvery, "answer-every", 2, "answer the survey of every n-th event (0: none)")
	flag.IntVar(&cfg.Plan.DuplicateEvery, "duplicate-every", 10, "post every n-th event twice (0: none)")
	flag.IntVar(&cfg.Plan.DailyCap, "daily-cap", 3, "the policy's daily cap per customer and channel, customers in pairs of runs (0: off)")
	flag.DurationVar(&cfg.Plan.QuietFor, "quiet-for", time.Minute, "each channel's quiet hours during the soak, whole minutes (0: none)")
	flag.IntVar(&cfg.Plan.OptOutEvery, "opt-out-every", 7, "opt the customer of every n-th event out once its survey arrives (0: none)")
	flag.DurationVar(&cfg.Drain, "drain", 5*time.Minute, "how long to wait for the runs after the last event")
	flag.StringVar(&cfg.LogDir, "logs", "", "keep the worker's, starter's, Temporal's and PostgreSQL's logs in this folder")
	flag.Parse()
	if cfg.Plan.Events < 1 || cfg.Rate <= 0 {
		fmt.Fprintln(os.Stderr, "soak: -events and -rate must be above 0")
		return 2
	}

	params, report, err := soak.Run(ctx, cfg)
	if err != nil && params.Events == 0 {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	if werr := soak.Write(os.Stdout, params, report); werr != nil {
		fmt.Fprintln(os.Stderr, "soak:", werr)
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: stopped early:", err)
		return 1
	}
	if report.Failed() {
		return 1
	}
	return 0
}
