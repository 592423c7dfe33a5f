package entry

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/validation"
)

// Limits that keep an entry, and the workflow history that runs it, small.
const (
	maxSteps     = 200
	maxDepth     = 8
	maxStepIDLen = 64
	maxDuration  = 365 * durations.Day
)

// checkSteps checks a list of steps at the given nesting depth (1 for the
// entry's own steps).
func (v *validator) checkSteps(steps []Step, path string, depth int) {
	if len(steps) > 0 && depth > maxDepth {
		v.addf(path, "is nested %d levels deep; at most %d are allowed", depth, maxDepth)
		return
	}
	for i, s := range steps {
		v.checkStep(s, fmt.Sprintf("%s[%d]", path, i), depth)
	}
}

// checkStep checks what every step has, then the fields of its type: each
// by its kind, then the rules of the type (its check method), then the
// steps nested in it, so a step's own problems come before its children's.
func (v *validator) checkStep(s Step, path string, depth int) {
	v.stepCount++
	at := func(field string) string { return validation.Join(path, field) }
	v.checkStepID(s.ID, path)
	v.checkSteps(s.OnError, at("on_error"), depth+1)

	def := stepDefOf(s.Spec)
	switch {
	case s.Type() == "":
		v.addf(at("type"), "is required (one of %s)", strings.Join(stepTypeNames(), ", "))
		return
	case def == nil:
		v.addf(at("type"), "%q is not a step type (use one of %s)", s.Type(), strings.Join(stepTypeNames(), ", "))
		return
	}
	spec := reflect.ValueOf(s.Spec).Elem()
	for _, f := range def.fields {
		if !f.kind.nested {
			v.checkField(f, spec.Field(f.index), at(f.info.Name), depth)
		}
	}
	if r, ok := s.Spec.(idRequirer); ok && s.ID == "" {
		v.addf(at("id"), "%s", r.requiresID())
	}
	s.Spec.check(&checker{v: v, path: path})
	for _, f := range def.fields {
		if f.kind.nested {
			v.checkField(f, spec.Field(f.index), at(f.info.Name), depth)
		}
	}
}

// idRequirer is a Spec whose steps must have an id; requiresID says why,
// as the problem of a step without one.
type idRequirer interface {
	requiresID() string
}

// checker is what a step type's check method reports through: problems of
// the step's fields, named by their JSON names.
type checker struct {
	v    *validator
	path string
}

// addf reports a problem of the field called field.
func (c *checker) addf(field, format string, args ...any) {
	c.v.addf(validation.Join(c.path, field), format, args...)
}

// checkStepID checks a step id and that no other step in the entry has it:
// ids become parts of idempotency keys, so two steps may never share one.
func (v *validator) checkStepID(id, path string) {
	if id == "" {
		return
	}
	at := validation.Join(path, "id")
	if !validStepID(id) {
		v.addf(at, "%s must be 1 to %d letters, digits, '_' or '-'", validation.Quote(id), maxStepIDLen)
		return
	}
	if first, dup := v.stepIDs[id]; dup {
		v.addf(at, "%q is already the id of %s", id, first)
		return
	}
	v.stepIDs[id] = path
}

func validStepID(id string) bool {
	if len(id) == 0 || len(id) > maxStepIDLen {
		return false
	}
	for _, c := range id {
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
