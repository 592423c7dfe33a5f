package entry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// Step is one step of an entry: what every step has (an id and its
// on_error steps) and its Spec, the fields of its type. In JSON a step is
// one flat object, {"id", "type", …the fields of its type…, "on_error"},
// the shape entry files, the API and workflow history share.
//
// The tags of ID and OnError describe them for forms (see
// CommonStepFields); as every step has them, decodeStep and checkStep
// handle them themselves rather than through their kinds.
type Step struct {
	ID      string `json:"id" kind:"step_id" label:"Step id" help:"Names the step in status and idempotency keys; letters, digits, '_' and '-', unique in the entry. Steps without one are named by their place, such as steps[1].then[0]."`
	OnError []Step `json:"on_error" kind:"steps" label:"On error" help:"Steps that run when this step fails after its retries, with $(error.message) and $(error.step) set; without them the run fails."`
	Spec    Spec   `json:"-"`
}

// Spec is the part of a step its type defines: one struct per step type,
// such as *SendEmail or *Wait, each in its file step_<type>.go, whose
// struct tags declare its fields once (see fields.go). The interface is
// closed: only this package's types implement it.
type Spec interface {
	// check applies the rules of the type that involve more than one
	// field, once every field has passed the checks of its kind.
	check(c *checker)
}

// UnknownStep is the Spec of a step whose type is missing or no type this
// version of ccflow defines: it keeps the type and the fields it came
// with, so that Validate can say what is wrong and a step written by a
// newer version survives being read and written back. Validate rejects
// it; a worker fails it as a step type it does not support.
type UnknownStep struct {
	Type string
	// Fields holds the step's other fields (not id, type or on_error) as
	// they were written.
	Fields map[string]json.RawMessage
}

func (*UnknownStep) check(*checker) {}

// Type is the name of s's type, such as "send_email"; "" when it has
// none.
func (s Step) Type() string {
	switch spec := s.Spec.(type) {
	case nil:
		return ""
	case *UnknownStep:
		return spec.Type
	}
	if def := stepDefOf(s.Spec); def != nil {
		return def.info.Type
	}
	return ""
}

// StepID names a step in idempotency keys and status: its id when it has
// one, else its path in the entry, such as "steps[1].then[0]".
func StepID(s Step, path string) string {
	if s.ID != "" {
		return s.ID
	}
	return path
}

// MarshalJSON writes s as one flat object whose keys come in a fixed
// order, "id", "type", the fields of its type in the order of its struct,
// then "on_error", so exported files and their diffs read the same every
// time. Empty fields are left out.
func (s Step) MarshalJSON() ([]byte, error) {
	var o object
	if s.ID != "" {
		o.field("id", s.ID)
	}
	o.field("type", s.Type())
	switch spec := s.Spec.(type) {
	case nil:
	case *UnknownStep:
		for _, k := range slices.Sorted(maps.Keys(spec.Fields)) {
			o.raw(k, spec.Fields[k])
		}
	default:
		def := stepDefOf(spec)
		if def == nil {
			return nil, fmt.Errorf("entry: %T is not a registered step type", spec)
		}
		v := reflect.ValueOf(spec).Elem()
		for _, f := range def.fields {
			if fv := v.Field(f.index); !isEmpty(fv) {
				o.field(f.info.Name, fv.Interface())
			}
		}
	}
	if len(s.OnError) > 0 {
		o.field("on_error", s.OnError)
	}
	return o.close()
}

// UnmarshalJSON reads a step as any version of ccflow wrote it, leniently:
// workflow histories and stored entry versions must stay readable, so a
// key its type does not have is ignored, as encoding/json would. A value
// of the wrong JSON type is an error. Decode is the strict reader for
// input.
func (s *Step) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil // as encoding/json does for other values
	}
	*s = Step{}
	if errs := decodeStep(data, "", s, false); len(errs) > 0 {
		return errs
	}
	return nil
}

// object writes a JSON object key by key, in the order given. Strings are
// written without HTML escaping: encoding/json escapes a Marshaler's
// output itself when its caller asks it to, and not when it does not.
type object struct {
	buf bytes.Buffer
	err error
}

func (o *object) key(k string) {
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.value(k)
	o.buf.WriteByte(':')
}

func (o *object) field(k string, v any) {
	o.key(k)
	o.value(v)
}

func (o *object) raw(k string, v json.RawMessage) {
	o.key(k)
	o.buf.Write(v)
}

func (o *object) value(v any) {
	if o.err != nil {
		return
	}
	enc := json.NewEncoder(&o.buf)
	enc.SetEscapeHTML(false)
	if o.err = enc.Encode(v); o.err == nil {
		o.buf.Truncate(o.buf.Len() - 1) // Encode ends with a newline
	}
}

func (o *object) close() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}
