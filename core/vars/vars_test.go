package vars_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/vars"
)

func TestLookup(t *testing.T) {
	v := vars.Vars{
		"customer.first_name": "Ada",
		"order_id":            "A-17",
		"reply.body":          map[string]any{"id": 7.0, "items": map[string]any{"count": 2.0}},
		"reply":               "shadowed by reply.body for deeper names",
	}
	tests := []struct {
		name   string
		want   any
		wantOK bool
	}{
		{"customer.first_name", "Ada", true},
		{"order_id", "A-17", true},
		{"reply.body.id", 7.0, true},
		{"reply.body.items.count", 2.0, true},
		{"reply.body.missing", nil, false},
		{"reply.body.id.deeper", nil, false},
		{"customer.last_name", nil, false},
		{"customer", nil, false},
		{"nothing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := v.Lookup(tt.name)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNested(t *testing.T) {
	v := vars.Vars{
		"survey.score":        4,
		"survey.answered":     true,
		"customer.first_name": "Ada",
		"order_id":            "A-17",
	}

	require.Equal(t, map[string]any{
		"survey":   map[string]any{"score": 4, "answered": true},
		"customer": map[string]any{"first_name": "Ada"},
		"order_id": "A-17",
	}, v.Nested())
}

func TestNestedDeeperNameWinsOverAScalar(t *testing.T) {
	v := vars.Vars{"a": "scalar", "a.b": 1}

	require.Equal(t, map[string]any{"a": map[string]any{"b": 1}}, v.Nested())
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"string", "Ada", "Ada"},
		{"bool", true, "true"},
		{"int", 42, "42"},
		{"int64", int64(-7), "-7"},
		{"whole float", 4.0, "4"},
		{"fraction", 0.62, "0.62"},
		{"huge float", 1e20, "1e+20"},
		{"map as JSON", map[string]any{"id": 7.0}, `{"id":7}`},
		{"slice as JSON", []any{"a", 1.0}, `["a",1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, vars.Format(tt.in))
		})
	}
}

func TestNamesAreSorted(t *testing.T) {
	require.Equal(t, []string{"a", "b.c", "z"}, vars.Vars{"z": 1, "a": 1, "b.c": 1}.Names())
}

func TestIsReserved(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"survey", true},
		{"survey.score", true},
		{"customer.email", true},
		{"error.message", true},
		{"order_id", false},
		{"surveys", false},
		{"my.survey", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, vars.IsReserved(tt.name))
		})
	}
}

func TestEveryReservedRootListsItsFields(t *testing.T) {
	require.ElementsMatch(t, vars.Reserved, slices.Collect(maps.Keys(vars.Fields)))
}
