package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
)

// Decode reads an entry from JSON strictly: an unknown field, a field of
// another step type than its step's, or a value of the wrong type is an
// error naming its full path, such as "steps[1].then[0].durration".
// Enabled is true unless the input says otherwise. Errors are
// validation.Errors.
func Decode(data []byte) (Entry, error) {
	e := Entry{Enabled: true}
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return Entry{}, validation.Errors{validation.Errorf("", "not valid JSON: %v", err)}
	}
	if err := validation.StrictJSON(data); err != nil {
		return Entry{}, validation.Errors{err}
	}
	if errs := decodeObject(data, "", e.fields()); len(errs) > 0 {
		return Entry{}, errs
	}
	return e, nil
}

// DecodeYAML reads an entry from YAML, the form entries take as files in a
// contact center's repository. It converts to JSON first, so both forms
// obey the same names and rules.
func DecodeYAML(data []byte) (Entry, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return Entry{}, validation.Errors{validation.Errorf("", "not valid YAML: %v", err)}
	}
	return Decode(j)
}

// The fields methods map each JSON name of an entry and a trigger to the
// Go field it fills (fields_test checks they match the struct tags). A
// step's fields come from its type's tags instead (fields.go).

func (e *Entry) fields() map[string]any {
	return map[string]any{
		"id": &e.ID, "name": &e.Name, "service": &e.Service, "enabled": &e.Enabled,
		"triggers": &e.Triggers, "steps": &e.Steps,
		"quiet_hours": &e.QuietHours, "cancel_on_new_interaction": &e.CancelOnNewInteraction,
		"default_language": &e.DefaultLanguage, "sample_percent": &e.SamplePercent,
		"version": &e.Version, "updated_at": &e.UpdatedAt,
	}
}

func (t *Trigger) fields() map[string]any {
	return map[string]any{
		"type": &t.Type, "disposition": &t.Disposition, "operator": &t.Operator, "threshold": &t.Threshold,
	}
}

// decodeObject fills fields from the JSON object raw. Keys are matched
// exactly (encoding/json would also accept "Name" for "name") and visited in
// sorted order so the errors come out the same every time.
func decodeObject(raw []byte, path string, fields map[string]any) validation.Errors {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return validation.Errors{validation.Errorf(path, "must be an object%s", got(err))}
	}
	var errs validation.Errors
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		p := validation.Join(path, k)
		target, ok := fields[k]
		if !ok {
			errs = append(errs, validation.Errorf(p, "unknown field"))
			continue
		}
		errs = append(errs, decodeValue(obj[k], p, target, true)...)
	}
	return errs
}

// decodeValue fills target from raw. Lists of steps and triggers are walked
// element by element so that errors inside them carry their index; strict
// says how steps are read (see decodeStep).
func decodeValue(raw json.RawMessage, path string, target any, strict bool) validation.Errors {
	switch t := target.(type) {
	case *[]Step:
		return decodeSteps(raw, path, t, strict)
	case *[]Trigger:
		return decodeList(raw, path, t, (*Trigger).fields)
	case *[]Branch:
		return decodeBranches(raw, path, t, strict)
	case *policy.QuietHours:
		qh, errs := policy.DecodeQuietHours(raw, path)
		*t = qh
		return errs
	}
	if err := json.Unmarshal(raw, target); err != nil {
		return validation.Errors{validation.Errorf(path, "must be %s%s", describe(target), got(err))}
	}
	return nil
}

func decodeList[T any](raw json.RawMessage, path string, list *[]T, fields func(*T) map[string]any) validation.Errors {
	return decodeElems(raw, path, list, func(elem json.RawMessage, path string, t *T) validation.Errors {
		return decodeObject(elem, path, fields(t))
	})
}

// decodeElems fills list from the JSON list raw, each element by decode.
func decodeElems[T any](raw json.RawMessage, path string, list *[]T, decode func(json.RawMessage, string, *T) validation.Errors) validation.Errors {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return validation.Errors{validation.Errorf(path, "must be a list%s", got(err))}
	}
	if elems == nil {
		return nil // null: as if absent
	}
	*list = make([]T, len(elems))
	var errs validation.Errors
	for i, elem := range elems {
		errs = append(errs, decode(elem, fmt.Sprintf("%s[%d]", path, i), &(*list)[i])...)
	}
	return errs
}

func decodeSteps(raw json.RawMessage, path string, steps *[]Step, strict bool) validation.Errors {
	return decodeElems(raw, path, steps, func(elem json.RawMessage, path string, s *Step) validation.Errors {
		return decodeStep(elem, path, s, strict)
	})
}

// decodeStep fills s from the JSON object raw: its type, named by the
// "type" key (spaces around it aside), decides which Spec the other keys
// fill. Keys are visited in sorted order so errors come out the same every
// time.
//
// Strictly (Decode), a key that is a field of another step type is "not a
// field of <type> steps" and a key no step type has is "unknown field";
// leniently (UnmarshalJSON) both are ignored. Either way a value of the
// wrong JSON type is an error. A step whose type is missing or unknown
// keeps its other fields in an UnknownStep, for Validate to reject.
func decodeStep(raw json.RawMessage, path string, s *Step, strict bool) validation.Errors {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return validation.Errors{validation.Errorf(path, "must be an object%s", got(err))}
	}
	var errs validation.Errors
	var typ string
	if r, ok := obj["type"]; ok {
		errs = append(errs, decodeValue(r, validation.Join(path, "type"), &typ, strict)...)
	}
	def := stepDefs[strings.TrimSpace(typ)]
	var spec reflect.Value
	if def != nil {
		spec = reflect.ValueOf(def.newSpec()).Elem()
	}
	unknown := &UnknownStep{Type: typ}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		p := validation.Join(path, k)
		switch k {
		case "type":
			continue
		case "id":
			errs = append(errs, decodeValue(obj[k], p, &s.ID, strict)...)
			continue
		case "on_error":
			errs = append(errs, decodeSteps(obj[k], p, &s.OnError, strict)...)
			continue
		}
		if def != nil {
			if f := def.byName[k]; f != nil {
				errs = append(errs, decodeValue(obj[k], p, spec.Field(f.index).Addr().Interface(), strict)...)
				continue
			}
		}
		t, known := stepFieldTypes[k]
		if !known {
			if strict {
				errs = append(errs, validation.Errorf(p, "unknown field"))
			} else if def == nil {
				unknown.keep(k, obj[k])
			}
			continue
		}
		// A field of another type, or of a step whose type is unknown: its
		// value is still read, so its errors are those of any field.
		v := reflect.New(t)
		ferrs := decodeValue(obj[k], p, v.Interface(), strict)
		errs = append(errs, ferrs...)
		switch {
		case def == nil:
			unknown.keep(k, obj[k])
		case strict && len(ferrs) == 0 && !isEmpty(v.Elem()):
			// Empty, it says nothing, as a form's unused field.
			errs = append(errs, validation.Errorf(p, "not a field of %s steps", def.info.Type))
		}
	}
	switch {
	case def != nil:
		s.Spec = spec.Addr().Interface().(Spec)
	case typ != "" || unknown.Fields != nil:
		s.Spec = unknown
	}
	return errs
}

// keep adds a field as it was written, compacted: spaces inside a value
// are no part of it.
func (u *UnknownStep) keep(name string, raw json.RawMessage) {
	if u.Fields == nil {
		u.Fields = map[string]json.RawMessage{}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		b.Reset()
		b.Write(raw) // raw came from a valid document: Compact does not fail
	}
	u.Fields[name] = b.Bytes()
}

// describe names the JSON a field expects, in the words of its error.
func describe(target any) string {
	switch target.(type) {
	case *string:
		return "a string"
	case *bool:
		return "true or false"
	case *int, **int:
		return "a whole number"
	case **float64:
		return "a number"
	case *time.Time:
		return "an RFC 3339 time"
	case *map[string]string:
		return "an object of strings"
	case *Text:
		return "a string, or an object of strings by language such as {\"en\": \"…\", \"es\": \"…\"}"
	case *[]string:
		return "a list of strings"
	}
	return fmt.Sprintf("a %T", target)
}

// got says what the input held instead, when encoding/json knows.
func got(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return ", not " + te.Value
	}
	return ""
}
