// Package vars holds a run's context variables: the event's fields, its
// custom variables and what steps set, addressed by dotted names such as
// "customer.first_name", "order_id" or "survey.score".
package vars

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Vars maps a dotted variable name to its value: a string, a float64, an
// int, a bool, or a JSON-shaped map or slice.
type Vars map[string]any

// Names returns the variable names in sorted order, so callers that walk
// them (workflow code above all) stay deterministic.
func (v Vars) Names() []string {
	return slices.Sorted(maps.Keys(v))
}

// Lookup returns the value of name. A name not set directly is looked up
// inside map values, so "reply.body.id" finds the "id" field of a JSON body
// saved as "reply.body".
func (v Vars) Lookup(name string) (any, bool) {
	if x, ok := v[name]; ok {
		return x, true
	}
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		parent, ok := v[name[:i]]
		if !ok {
			continue
		}
		return dig(parent, strings.Split(name[i+1:], "."))
	}
	return nil, false
}

func dig(x any, path []string) (any, bool) {
	for _, p := range path {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		if x, ok = m[p]; !ok {
			return nil, false
		}
	}
	return x, true
}

// Nested turns dotted names into nested maps ("survey.score" becomes
// {"survey": {"score": …}}), the shape CEL conditions select fields from.
// Names are applied in sorted order so a scalar and a deeper name under it
// resolve the same way every time: the deeper name wins.
func (v Vars) Nested() map[string]any {
	root := map[string]any{}
	for _, name := range v.Names() {
		parts := strings.Split(name, ".")
		m := root
		for _, p := range parts[:len(parts)-1] {
			child, ok := m[p].(map[string]any)
			if !ok {
				child = map[string]any{}
				m[p] = child
			}
			m = child
		}
		leaf := parts[len(parts)-1]
		if _, isMap := m[leaf].(map[string]any); isMap {
			continue
		}
		m[leaf] = v[name]
	}
	return root
}

// Format renders a value as text for a template: whole numbers without a
// decimal point, other numbers in their shortest form, maps and slices as JSON.
func Format(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1e15 {
			return strconv.FormatInt(int64(t), 10)
		}
		return strconv.FormatFloat(t, 'g', -1, 64)
	}
	b, err := json.Marshal(x)
	if err != nil {
		return ""
	}
	return string(b)
}
