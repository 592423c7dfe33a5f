package conditions

import (
	"maps"
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/ccflow/ccflow/core/vars"
)

// activation gives a program the variables of v under the given roots, as
// CEL values whose maps iterate in sorted key order. CEL's own view of a Go
// map walks it in Go's random order, so `customer.map(k, k)[0]` would name
// a different key from one evaluation to the next, and a replay could take
// the other branch.
func activation(v vars.Vars, roots []string) map[string]any {
	under := make(vars.Vars, len(v))
	for name, x := range v {
		root, _, _ := strings.Cut(name, ".")
		if _, found := slices.BinarySearch(roots, root); found {
			under[name] = x
		}
	}
	nested := under.Nested()
	out := make(map[string]any, len(nested))
	for name, x := range nested {
		out[name] = value(x)
	}
	return out
}

// value turns a variable's value into a CEL value: maps become sortedMaps
// and lists of them lists of sortedMaps, all the way down.
func value(x any) ref.Val {
	switch t := x.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		entries := make(map[ref.Val]ref.Val, len(t))
		for k, v := range t {
			entries[types.String(k)] = value(v)
		}
		return sortedMap{
			Mapper: types.NewRefValMap(types.DefaultTypeAdapter, entries),
			keys:   types.NewStringList(types.DefaultTypeAdapter, keys),
		}
	case []any:
		elems := make([]ref.Val, len(t))
		for i, e := range t {
			elems[i] = value(e)
		}
		return types.NewRefValList(types.DefaultTypeAdapter, elems)
	}
	return types.DefaultTypeAdapter.NativeToValue(x)
}

// sortedMap is a CEL map that iterates its keys in sorted order: its
// entries live in an ordinary CEL map, which answers everything but
// iteration.
type sortedMap struct {
	traits.Mapper
	keys traits.Lister
}

// Iterator walks the keys in sorted order.
func (m sortedMap) Iterator() traits.Iterator {
	return m.keys.Iterator()
}
