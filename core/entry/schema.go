package entry

import (
	"fmt"
	"reflect"
	"strings"
)

// StepSchema is the JSON Schema (as OpenAPI 3.1 takes it) of one step as
// Decode reads it and MarshalJSON writes it, made from the registered step
// types, so that a description of the API never lists them by hand: an
// object whose "type" is one of StepTypes and whose other keys are the
// fields any step type has (which of them apply depends on the type, as
// Validate says in words). ref is what a list of steps inside a step
// refers to for its items, e.g. "#/components/schemas/Step".
func StepSchema(ref string) map[string]any {
	names := stepTypeNames()
	props := map[string]any{
		"type": map[string]any{"type": "string", "enum": names,
			"description": "The step's type: " + strings.Join(names, ", ") + "."},
	}
	for sf := range reflect.TypeFor[Step]().Fields() {
		if name, _, _ := strings.Cut(sf.Tag.Get("json"), ","); name != "-" {
			props[name] = schemaOf(sf.Type, ref)
		}
	}
	for name, t := range stepFieldTypes {
		props[name] = schemaOf(t, ref)
	}
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
}

// schemaOf is the JSON Schema of the values of Go type t as encoding/json
// writes them; ref stands for a step. It panics on a type it cannot
// describe: a new kind of field is a programming change every test run
// reveals.
func schemaOf(t reflect.Type, ref string) map[string]any {
	switch {
	case t == stepsType:
		return map[string]any{"type": "array", "items": map[string]any{"$ref": ref}}
	case t == textType:
		return textSchema()
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Pointer:
		return schemaOf(t.Elem(), ref)
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), ref)}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), ref)}
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		for sf := range t.Fields() {
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if sf.IsExported() && name != "-" {
				if name == "" {
					name = sf.Name
				}
				props[name] = schemaOf(sf.Type, ref)
			}
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	}
	panic(fmt.Sprintf("entry: no JSON Schema for step fields of Go type %s", t))
}

// textSchema is the JSON Schema of a Text, a text a customer reads: one
// string for every language, or an object of strings by language tag.
func textSchema() map[string]any {
	return map[string]any{
		"description": "A text a customer reads: one string for every language, or an object of strings by BCP 47 " +
			`language tag ({"en": "…", "es": "…"}), which must hold the entry's default_language. ` +
			"A run reads the one closest to the customer's language (docs/surveys.md).",
		"oneOf": []any{
			map[string]any{"type": "string"},
			map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		},
	}
}
