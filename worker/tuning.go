package main

import (
	"fmt"
	"os"
	"strconv"

	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/internal/buildinfo"
)

// defaultCacheSize is how many runs the worker keeps in its sticky cache
// (CCFLOW_WORKER_CACHE_SIZE). A cached run takes its next task (a timer
// firing, a survey answer, an activity's result) without replaying its
// history; one evicted from the cache replays it first. A sleeping run in
// the cache holds its interpreter state and a goroutine per coroutine,
// about 50 KB live (its goroutine's stack, the SDK's state of the run and
// the interpreter's) and some 75 KB of resident memory with the garbage
// collector's headroom: the SDK's default of 10,000 runs made a worker
// with 10,000 sleeping runs take 524 MB, for runs that sleep for days.
// Runs sleep far longer than they work, so ccflow keeps 1,000, several
// times the runs at work at once at 100 events a second; a run that wakes
// after eviction replays its history first, a few dozen events, which
// costs a few milliseconds of CPU once per wake-up (make bench measures the
// memory and the replay).
const defaultCacheSize = 1000

// cacheSize is the sticky cache size: CCFLOW_WORKER_CACHE_SIZE, else
// defaultCacheSize.
func cacheSize() (int, error) {
	v := os.Getenv("CCFLOW_WORKER_CACHE_SIZE")
	if v == "" {
		return defaultCacheSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("CCFLOW_WORKER_CACHE_SIZE=%q: want a number of runs, 0 or more", v)
	}
	return n, nil
}

// workerOptions are the options of ccflow's worker. Its pollers are the
// SDK's, two per queue: measured against make dev's server, more pollers
// did not start or finish runs faster (its CPU is the limit, not the
// polls), and pollers scaled by the server's feedback, Temporal's
// suggestion for clusters, cost that server five times the CPU per run
// (50 ms instead of 9 ms a start) in polls: keep them fixed here, and
// raise them on a cluster whose workers wait on polls.
func workerOptions(build buildinfo.Info) worker.Options {
	return worker.Options{
		// On SIGTERM the worker stops polling and lets the sends in flight
		// finish, so a deploy never cuts a send between the provider's
		// answer and its record.
		WorkerStopTimeout: drainTimeout,
		// The build is named on every task the worker completes. Worker
		// versioning stays off (see README, Operations): runs wait for days,
		// and workflow changes stay replay-safe with workflow.GetVersion and
		// the recorded histories instead of pinning runs to old workers.
		DeploymentOptions: worker.DeploymentOptions{
			Version: worker.WorkerDeploymentVersion{DeploymentName: "ccflow", BuildID: build.BuildID()},
		},
	}
}
