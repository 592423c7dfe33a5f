package entry

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ccflow/ccflow/core/validation"
)

// Decode reads an entry from JSON strictly: an unknown field or a value of
// the wrong type is an error naming its full path, such as
// "steps[1].then[0].durration". Enabled is true unless the input says
// otherwise. Errors are validation.Errors.
func Decode(data []byte) (Entry, error) {
	e := Entry{Enabled: true}
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return Entry{}, validation.Errors{validation.Errorf("", "not valid JSON: %v", err)}
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

// The fields methods map each JSON name to the Go field it fills. Decoding
// and the per-type field check both read them, so a new field is listed
// once here (entry_test checks they match the struct tags).

func (e *Entry) fields() map[string]any {
	return map[string]any{
		"id": &e.ID, "name": &e.Name, "service": &e.Service, "enabled": &e.Enabled,
		"triggers": &e.Triggers, "steps": &e.Steps,
		"version": &e.Version, "updated_at": &e.UpdatedAt,
	}
}

func (t *Trigger) fields() map[string]any {
	return map[string]any{
		"type": &t.Type, "disposition": &t.Disposition, "operator": &t.Operator, "threshold": &t.Threshold,
	}
}

func (s *Step) fields() map[string]any {
	return map[string]any{
		"id": &s.ID, "type": &s.Type, "on_error": &s.OnError,
		"channel": &s.Channel, "question": &s.Question, "to": &s.To, "subject": &s.Subject,
		"text": &s.Text, "html": &s.HTML, "wait": &s.Wait,
		"duration": &s.Duration, "name": &s.Name, "value": &s.Value,
		"after": &s.After, "at": &s.At, "steps": &s.Steps,
		"method": &s.Method, "url": &s.URL, "connection": &s.Connection, "path": &s.Path,
		"headers": &s.Headers, "body": &s.Body, "timeout": &s.Timeout, "save_as": &s.SaveAs,
		"condition": &s.Condition, "then": &s.Then, "else": &s.Else,
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
		errs = append(errs, decodeValue(obj[k], p, target)...)
	}
	return errs
}

// decodeValue fills target from raw. Lists of steps and triggers are walked
// element by element so that errors inside them carry their index.
func decodeValue(raw json.RawMessage, path string, target any) validation.Errors {
	switch t := target.(type) {
	case *[]Step:
		return decodeList(raw, path, t, (*Step).fields)
	case *[]Trigger:
		return decodeList(raw, path, t, (*Trigger).fields)
	}
	if err := json.Unmarshal(raw, target); err != nil {
		return validation.Errors{validation.Errorf(path, "must be %s%s", describe(target), got(err))}
	}
	return nil
}

func decodeList[T any](raw json.RawMessage, path string, list *[]T, fields func(*T) map[string]any) validation.Errors {
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
		errs = append(errs, decodeObject(elem, fmt.Sprintf("%s[%d]", path, i), fields(&(*list)[i]))...)
	}
	return errs
}

// describe names the JSON a field expects, in the words of its error.
func describe(target any) string {
	switch target.(type) {
	case *string:
		return "a string"
	case *bool:
		return "true or false"
	case *int:
		return "a whole number"
	case **float64:
		return "a number"
	case *time.Time:
		return "an RFC 3339 time"
	case *map[string]string:
		return "an object of strings"
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
