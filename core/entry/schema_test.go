package entry_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// The schema of a step names every registered type and every field of
// every type, and nothing else; nested steps refer back to the step.
func TestStepSchemaIsMadeFromTheRegisteredTypes(t *testing.T) {
	t.Parallel()
	const ref = "#/components/schemas/Step"
	schema := entry.StepSchema(ref)
	props, ok := schema["properties"].(map[string]any)
	require.True(t, ok)

	var types []string
	want := []string{"id", "type", "on_error"}
	for _, st := range entry.StepTypes() {
		types = append(types, st.Type)
		for _, f := range st.Fields {
			want = append(want, f.Name)
		}
	}
	slices.Sort(want)
	var got []string
	for name := range props {
		got = append(got, name)
	}
	require.ElementsMatch(t, slices.Compact(want), got)
	require.Equal(t, false, schema["additionalProperties"])
	require.Equal(t, types, props["type"].(map[string]any)["enum"])
	require.Equal(t, map[string]any{"type": "array", "items": map[string]any{"$ref": ref}}, props["on_error"])
	for _, st := range entry.StepTypes() {
		for _, f := range st.Fields {
			if f.Kind == "steps" {
				require.Equal(t, props["on_error"], props[f.Name], "%s.%s holds steps", st.Type, f.Name)
			}
			if f.Localized {
				require.Equal(t, []any{
					map[string]any{"type": "string"},
					map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
				}, props[f.Name].(map[string]any)["oneOf"], "%s.%s is a string or an object by language", st.Type, f.Name)
			}
		}
	}
}
