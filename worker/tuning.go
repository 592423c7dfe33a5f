package main

import (
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/buildinfo"
)

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
		// versioning stays off (see docs/operations.md, Versions): runs wait for days,
		// and workflow changes stay replay-safe with workflow.GetVersion and
		// the recorded histories instead of pinning runs to old workers.
		DeploymentOptions: worker.DeploymentOptions{
			Version: worker.WorkerDeploymentVersion{DeploymentName: "ccflow", BuildID: build.BuildID()},
		},
	}
}
