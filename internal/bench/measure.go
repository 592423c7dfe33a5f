package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccflow/ccflow/client/loadgen"
)

// op is one operation a measurement repeats; i numbers the calls from 1.
type op func(ctx context.Context, i int) error

// tally is what a closed-loop measurement counted.
type tally struct {
	ok, failed int
	elapsed    time.Duration
	latencies  []time.Duration
	firstErr   error
	// cpu is the CPU time each process spent meanwhile, when measured.
	cpu cpuSample
}

func (t *tally) add(o tally) {
	t.ok += o.ok
	t.failed += o.failed
	t.elapsed += o.elapsed
	t.latencies = append(t.latencies, o.latencies...)
	if t.firstErr == nil {
		t.firstErr = o.firstErr
	}
	if o.cpu != nil && t.cpu == nil {
		t.cpu = cpuSample{}
	}
	for name, d := range o.cpu {
		t.cpu[name] += d
	}
}

// cpuText is the CPU split of t per operation that succeeded.
func (t tally) cpuText() string {
	if t.cpu == nil {
		return ""
	}
	return cpuPerEvent(cpuSample{}, t.cpu, t.ok)
}

// withCPU runs measure and adds the CPU time p's processes spent meanwhile
// to its tally.
func withCPU(p Processes, measure func() tally) tally {
	before := sampleCPU(p)
	t := measure()
	after := sampleCPU(p)
	t.cpu = cpuSample{}
	for name, d := range after {
		t.cpu[name] = d - before[name]
	}
	return t
}

// rate is the operations that succeeded per second.
func (t tally) rate() float64 {
	if t.elapsed <= 0 {
		return 0
	}
	return float64(t.ok) / t.elapsed.Seconds()
}

func (t tally) percentile(p float64) time.Duration {
	sorted := slices.Clone(t.latencies)
	slices.Sort(sorted)
	return loadgen.Percentile(sorted, p)
}

// closedLoop calls fn from inFlight goroutines, each calling again as soon
// as its call returns, until d has passed; calls in flight then finish and
// count, and the time runs until the last of them returns.
func closedLoop(ctx context.Context, inFlight int, d time.Duration, next *atomic.Int64, fn op) tally {
	var (
		mu  sync.Mutex
		t   tally
		wg  sync.WaitGroup
		end = time.Now().Add(d)
	)
	start := time.Now()
	for range inFlight {
		wg.Go(func() {
			for time.Now().Before(end) && ctx.Err() == nil {
				callStart := time.Now()
				err := fn(ctx, int(next.Add(1)))
				took := time.Since(callStart)
				mu.Lock()
				t.latencies = append(t.latencies, took)
				t.count(err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.elapsed = time.Since(start)
	return t
}

// alternate measures a and b in turns of d each, rounds times, so that
// both see the same machine: a busy neighbour or a growing database slows
// both alike instead of whichever ran second.
func alternate(ctx context.Context, rounds int, d time.Duration, a, b func(time.Duration) tally) (ta, tb tally) {
	for range rounds {
		ta.add(a(d))
		if ctx.Err() != nil {
			break
		}
		tb.add(b(d))
	}
	return ta, tb
}

// counted runs fn n times from inFlight goroutines and returns the tally.
func counted(ctx context.Context, n, inFlight int, fn op) tally {
	var (
		mu   sync.Mutex
		t    tally
		wg   sync.WaitGroup
		next atomic.Int64
	)
	start := time.Now()
	for range inFlight {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if i > n {
					return
				}
				err := fn(ctx, i)
				mu.Lock()
				t.count(err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.elapsed = time.Since(start)
	return t
}

// count counts one call that returned err, keeping the first error.
func (t *tally) count(err error) {
	if err == nil {
		t.ok++
		return
	}
	t.failed++
	if t.firstErr == nil {
		t.firstErr = err
	}
}

// errText describes a tally's failures for the table's notes.
func errText(t tally) string {
	if t.failed == 0 {
		return ""
	}
	return fmt.Sprintf("%d failed, e.g. %v", t.failed, t.firstErr)
}
