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

// The fields tables drive strict decoding of entries and triggers; a
// struct field missing from them would be rejected as unknown.
func TestFieldsTablesMatchStructTags(t *testing.T) {
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[Entry]()), keys((&Entry{}).fields()))
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[Trigger]()), keys((&Trigger{}).fields()))
}

// Every field of every step type is registered with its kind's Go type, so
// decoding can read it under any step type.
func TestEveryStepFieldIsKnownByName(t *testing.T) {
	for name, def := range stepDefs {
		for _, f := range def.fields {
			require.Equal(t, f.goType, stepFieldTypes[f.info.Name], "%s.%s", name, f.info.Name)
		}
	}
}

func TestParseFieldRejectsTagsItCannotRead(t *testing.T) {
	type bad struct {
		NoName    string `kind:"template"`
		NoKind    string `json:"no_kind"`
		WrongType int    `json:"wrong_type" kind:"template"`
		NoOptions string `json:"no_options" kind:"enum"`
		Options   string `json:"options" kind:"template" options:"a,b"`
	}
	for sf := range reflect.TypeFor[bad]().Fields() {
		t.Run(sf.Name, func(t *testing.T) {
			_, err := parseField(sf, sf.Index[0])
			require.Error(t, err)
		})
	}
}
