package entry

import (
	"reflect"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/conditions"
	"github.com/ccflow/ccflow/core/vars"
)

// definer is a Spec whose steps set variables for the steps after them, as
// set_variable and http_request (save_as) steps do.
type definer interface {
	// defines lists the names of the variables the step sets.
	defines() []string
}

// knownVariables describes, for checking conditions, the roots whose
// fields are all known: ccflow's own (vars.Fields), and those under which
// the steps set only dotted names (save_as: <name>.status, .headers and
// .body; set_variable followup.sent). Steps anywhere in the entry count,
// wherever the condition is: a scheduled event's steps run after steps
// that come later in the file. A root some step sets whole (set_variable
// tier) holds anything, and other roots hold event variables: neither is
// checked.
func knownVariables(steps []Step) conditions.Known {
	known := conditions.Known{}
	for root, fields := range vars.Fields {
		known[root] = slices.Clone(fields)
	}
	whole := map[string]bool{}
	walkSteps(steps, func(s Step) {
		d, ok := s.Spec.(definer)
		if !ok {
			return
		}
		for _, name := range d.defines() {
			root, rest, dotted := strings.Cut(name, ".")
			switch {
			case vars.IsReserved(root):
				// Refused by the name's own check.
			case !dotted:
				whole[root] = true
			default:
				field, _, _ := strings.Cut(rest, ".")
				if !slices.Contains(known[root], field) {
					known[root] = append(known[root], field)
				}
			}
		}
	})
	for root := range whole {
		delete(known, root)
	}
	return known
}

// walkSteps calls visit on every step of steps, nested ones included.
func walkSteps(steps []Step, visit func(Step)) {
	for _, s := range steps {
		visit(s)
		walkSteps(s.OnError, visit)
		def := stepDefOf(s.Spec)
		if def == nil {
			continue
		}
		v := reflect.ValueOf(s.Spec).Elem()
		for _, f := range def.fields {
			if f.kind.nested {
				for _, list := range f.kind.lists(v.Field(f.index)) {
					walkSteps(list, visit)
				}
			}
		}
	}
}
