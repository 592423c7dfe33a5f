package workflows

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// A step type the model defines but no worker runs would fail every run
// that uses it: each type needs its file step_<type>.go here.
func TestEveryStepTypeHasAnInterpreter(t *testing.T) {
	for _, st := range entry.StepTypes() {
		spec, ok := entry.NewSpec(st.Type)
		require.True(t, ok, st.Type)
		require.Contains(t, interpreters, reflect.TypeOf(spec),
			"step type %s has no interpreter: register one with interpret in step_%s.go", st.Type, st.Type)
	}
	require.Len(t, interpreters, len(entry.StepTypes()), "every interpreter runs a step type of the model")
}
