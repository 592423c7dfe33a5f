// Package loadgen measures how fast a running ccflow ingests ended
// interactions: it posts a bounded number of events, each with an
// interaction id of its own, from a few concurrent senders, and summarizes
// latency, throughput, match statuses and errors. It knows nothing of HTTP:
// the caller hands it the function that sends one event.
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ccflow/ccflow/core/interaction"
)

// SendFunc posts one event and returns the API's answer, such as
// (*apiclient.Client).Ingest or DryRun.
type SendFunc func(ctx context.Context, event json.RawMessage) (interaction.Result, error)

// Config says how a load run sends its events.
type Config struct {
	// Send posts one event.
	Send SendFunc
	// Concurrency is the number of requests in flight at most (at least 1).
	Concurrency int
	// Rate caps the events sent per second; 0 sends as fast as the
	// senders get answers. Senders still busy slow the run below it.
	Rate float64
	// Progress, when not nil, gets a line every ProgressEvery (default
	// one second) while the run lasts.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Run sends every one of events and returns the summary. When ctx ends it
// sends no more: requests in flight fail with ctx's error and the events
// not sent are left out of the summary (Summary.Sent < Summary.Planned).
func Run(ctx context.Context, events *Events, cfg Config) Summary {
	rec := &recorder{results: make([]Result, 0, events.Count())}
	start := time.Now()

	jobs := make(chan int)
	go dispatch(ctx, events.Count(), cfg.Rate, jobs)

	var workers sync.WaitGroup
	for range max(cfg.Concurrency, 1) {
		workers.Go(func() {
			for i := range jobs {
				rec.sent()
				rec.add(send(ctx, cfg.Send, events, i))
			}
		})
	}

	stopProgress := func() {}
	if cfg.Progress != nil {
		stopProgress = rec.reportProgress(cfg.Progress, events.Count(), cfg.ProgressEvery, start)
	}
	workers.Wait()
	elapsed := time.Since(start)
	stopProgress()
	return Summarize(rec.results, events.Count(), elapsed)
}

// dispatch hands the event numbers 1..n to the senders, at most rate a
// second when rate > 0, and closes jobs when done or when ctx ends.
func dispatch(ctx context.Context, n int, rate float64, jobs chan<- int) {
	defer close(jobs)
	var tick <-chan time.Time
	if interval := time.Duration(float64(time.Second) / rate); rate > 0 && interval > 0 {
		// A ticker drops the ticks a busy sender misses, so a slow
		// server is never hit by a burst to catch up.
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for i := 1; i <= n; i++ {
		if tick != nil && i > 1 {
			select {
			case <-tick:
			case <-ctx.Done():
				return
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

// send posts event i and times it.
func send(ctx context.Context, sendFn SendFunc, events *Events, i int) Result {
	event, err := events.Event(i)
	if err != nil {
		return Result{Err: err}
	}
	start := time.Now()
	res, err := sendFn(ctx, event)
	r := Result{Latency: time.Since(start), Err: err}
	if err != nil {
		r.Err = fmt.Errorf("event %s: %w", events.ID(i), err)
	}
	for _, m := range res.Matches {
		r.Statuses = append(r.Statuses, m.Status)
	}
	return r
}

// recorder collects the results of the senders and counts them for the
// progress lines.
type recorder struct {
	mu                 sync.Mutex
	results            []Result
	started, ok, erred int
}

func (r *recorder) sent() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started++
}

func (r *recorder) add(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, res)
	if res.Err != nil {
		r.erred++
	} else {
		r.ok++
	}
}

func (r *recorder) counts() (started, ok, erred int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started, r.ok, r.erred
}

// reportProgress writes a progress line to w every interval until the
// returned stop is called.
func (r *recorder) reportProgress(w io.Writer, planned int, interval time.Duration, start time.Time) (stop func()) {
	if interval <= 0 {
		interval = time.Second
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		lastDone, lastTime := 0, start
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				started, ok, erred := r.counts()
				fmt.Fprintln(w, progressLine(now.Sub(start), planned, started, ok, erred,
					float64(ok+erred-lastDone)/now.Sub(lastTime).Seconds()))
				lastDone, lastTime = ok+erred, now
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// progressLine is one line of progress: time so far, requests sent, their
// outcomes so far, and the requests finished per second since the last line.
func progressLine(elapsed time.Duration, planned, started, ok, erred int, rate float64) string {
	return fmt.Sprintf("load: %5s  sent %d/%d  ok %d  errors %d  %.1f events/s",
		elapsed.Round(time.Second), started, planned, ok, erred, rate)
}
