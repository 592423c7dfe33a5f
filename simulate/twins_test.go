package simulate_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/simulate"
)

// registry records the names the worker registers its activities under.
type registry struct{ names map[string]bool }

func (r *registry) RegisterActivity(any) { panic("activities are registered by name") }

func (r *registry) RegisterActivityWithOptions(_ any, opts activity.RegisterOptions) {
	r.names[opts.Name] = true
}

func (r *registry) RegisterDynamicActivity(any, activity.DynamicRegisterOptions) {
	panic("ccflow has no dynamic activities")
}

// A new activity the worker registers needs its simulated twin (in
// simulate/twins.go), or a simulation of a run that calls it fails.
func TestEveryActivityHasATwin(t *testing.T) {
	r := &registry{names: map[string]bool{}}
	activities.Register(r, &activities.Activities{})
	twins := simulate.TwinNames()

	var missing []string
	for _, name := range slices.Sorted(maps.Keys(r.names)) {
		if !slices.Contains(twins, name) {
			missing = append(missing, name)
		}
	}
	require.Empty(t, missing, "activities without a simulated twin in simulate/twins.go")
	var unknown []string
	for _, name := range twins {
		if !r.names[name] {
			unknown = append(unknown, name)
		}
	}
	require.Empty(t, unknown, "twins of activities the worker does not register")
}
