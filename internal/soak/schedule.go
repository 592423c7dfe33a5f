package soak

import "sort"

// What is one kind of chaos.
type What string

// The chaos the soak makes.
const (
	KillWorker      What = "kill -9 the worker"
	RestartTemporal What = "restart the Temporal dev server"
	RestartPostgres What = "restart PostgreSQL"
)

// Action is one act of chaos at At, a fraction of the time events are sent.
type Action struct {
	At   float64
	What What
}

// Schedule spreads the kills and restarts over the time events are sent,
// each kind evenly and the kinds apart from each other: kills at the
// middle of equal slices, the restarts of PostgreSQL a little before and
// those of Temporal a little after the points that cut the time into
// equal parts. The soak runs them one after another, so two never
// overlap even when they come close.
func Schedule(kills, temporal, postgres int) []Action {
	var out []Action
	for k := range kills {
		out = append(out, Action{At: (float64(k) + 0.5) / float64(kills), What: KillWorker})
	}
	for k := 1; k <= temporal; k++ {
		out = append(out, Action{At: float64(k)/float64(temporal+1) + 0.06, What: RestartTemporal})
	}
	for k := 1; k <= postgres; k++ {
		out = append(out, Action{At: float64(k)/float64(postgres+1) - 0.06, What: RestartPostgres})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}
