// Package loadgen measures how fast a running ccflow ingests ended
// interactions: it posts a bounded number of events, each with an
// interaction id of its own, and summarizes latency, throughput, match
// statuses and errors. It knows nothing of HTTP: the caller hands it the
// function that sends one event.
//
// With a rate it sends open loop, as a contact center's backend does: event
// i is due at i/rate seconds whether or not the earlier ones have been
// answered, and its latency runs from that intended time. A slow server
// therefore shows as the latency of the events it delayed, instead of
// quietly slowing the sender down (coordinated omission). Without a rate it
// sends closed loop, a few senders each sending as soon as its last answer
// came, which measures the most ccflow takes.
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
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
	// Concurrency is the number of requests in flight at most (at least
	// 1): the senders of a closed-loop run, and a bound on the requests an
	// open-loop run leaves waiting on a server that fell behind (an event
	// due while all are in flight waits, and its wait counts as latency).
	Concurrency int
	// Rate, when above 0, sends open loop at that many events per second;
	// 0 sends closed loop, as fast as the senders get answers.
	Rate float64
	// Progress, when not nil, gets a progress bar every ProgressEvery
	// (default one second) while the run lasts: redrawn in place on a
	// terminal, a line each time otherwise.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Run sends every one of events and returns the summary. When ctx ends it
// sends no more: requests in flight fail with ctx's error and the events
// not sent are left out of the summary (Summary.Sent < Summary.Planned).
func Run(ctx context.Context, events *Events, cfg Config) Summary {
	rec := &recorder{results: make([]Result, 0, events.Count())}
	start := time.Now()
	stopProgress := func() {}
	if cfg.Progress != nil {
		stopProgress = rec.reportProgress(cfg.Progress, events.Count(), cfg.ProgressEvery, start)
	}
	concurrency := max(cfg.Concurrency, 1)
	if cfg.Rate > 0 {
		openLoop(ctx, events, cfg.Send, cfg.Rate, concurrency, start, rec)
	} else {
		closedLoop(ctx, events, cfg.Send, concurrency, rec)
	}
	elapsed := time.Since(start)
	stopProgress()
	s := Summarize(rec.results, events.Count(), elapsed)
	s.Rate = cfg.Rate
	return s
}

// closedLoop hands the events to concurrency senders, each sending the next
// one as soon as its last was answered.
func closedLoop(ctx context.Context, events *Events, sendFn SendFunc, concurrency int, rec *recorder) {
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := 1; i <= events.Count(); i++ {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var senders sync.WaitGroup
	for range concurrency {
		senders.Go(func() {
			for i := range jobs {
				rec.sent()
				rec.add(send(ctx, sendFn, events, i, time.Now()))
			}
		})
	}
	senders.Wait()
}

// openLoop sends event i at start + (i-1)/rate, each from a goroutine of
// its own, keeping at most concurrency in flight.
func openLoop(ctx context.Context, events *Events, sendFn SendFunc, rate float64, concurrency int, start time.Time, rec *recorder) {
	slots := make(chan struct{}, concurrency)
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 1; i <= events.Count(); i++ {
		due := start.Add(time.Duration(float64(i-1) / rate * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		rec.sent()
		inFlight.Go(func() {
			defer func() { <-slots }()
			rec.add(send(ctx, sendFn, events, i, due))
		})
	}
}

// send posts event i and times it from due, the time it was meant to go.
func send(ctx context.Context, sendFn SendFunc, events *Events, i int, due time.Time) Result {
	event, err := events.Event(i)
	if err != nil {
		return Result{Err: err}
	}
	res, err := sendFn(ctx, event)
	r := Result{Latency: time.Since(due), Err: err}
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

// reportProgress draws the progress bar on w every interval until the
// returned stop is called, which draws it a last time.
func (r *recorder) reportProgress(w io.Writer, planned int, interval time.Duration, start time.Time) (stop func()) {
	if interval <= 0 {
		interval = time.Second
	}
	// On a terminal the bar is redrawn in place; elsewhere (a log, a
	// pipe) each drawing is a line of its own.
	end := "\n"
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			end = "\r"
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	lastDone, lastTime := 0, start
	draw := func(now time.Time) {
		started, ok, erred := r.counts()
		fmt.Fprint(w, progressLine(now.Sub(start), planned, started, ok, erred,
			float64(ok+erred-lastDone)/now.Sub(lastTime).Seconds())+end)
		lastDone, lastTime = ok+erred, now
	}
	go func() {
		defer close(stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				draw(now)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		if end == "\r" {
			draw(time.Now())
			fmt.Fprintln(w)
		}
	}
}

// progressLine is one drawing of the progress: time so far, requests sent,
// their outcomes so far, the requests finished per second since the last
// drawing, and a bar of the answered share of the run.
func progressLine(elapsed time.Duration, planned, started, ok, erred int, rate float64) string {
	const width = 30
	filled := 0
	if planned > 0 {
		filled = min((ok+erred)*width/planned, width)
	}
	return fmt.Sprintf("load: %5s  sent %d/%d  ok %d  errors %d  %.1f events/s  [%s%s] %3d%%",
		elapsed.Round(time.Second), started, planned, ok, erred, rate,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), (ok+erred)*100/max(planned, 1))
}
