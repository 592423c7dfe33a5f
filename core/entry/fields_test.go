package entry

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// jsonNames lists the JSON names of a struct's fields.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The fields tables drive strict decoding; a struct field missing from them
// would be rejected as unknown.
func TestFieldsTablesMatchStructTags(t *testing.T) {
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[Entry]()), keys((&Entry{}).fields()))
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[Trigger]()), keys((&Trigger{}).fields()))
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[Step]()), keys((&Step{}).fields()))
}

func TestEveryStepFieldTypeIsKnownToTheTypeCheck(t *testing.T) {
	s := Step{}
	require.NotPanics(t, func() { setFields(&s) })
}

func TestEveryStepTypeFieldIsAStepField(t *testing.T) {
	all := (&Step{}).fields()
	for typ, st := range stepTypes {
		for _, f := range st.fields {
			require.Contains(t, all, f, "stepTypes[%q]", typ)
		}
	}
}
