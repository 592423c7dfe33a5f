package api_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/api/apitest"
)

// The document must load as OpenAPI 3.1; the integration tests check every
// exchange of the API against it (apitest.Contract).
func TestOpenAPIDocumentIsValid(t *testing.T) {
	c := apitest.Load(t)

	require.Equal(t, "3.1.0", c.Doc.OpenAPI)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &doc), "served as JSON")
	for _, path := range []string{"/v1/interactions/ended", "/v1/entries/{id}", "/livez", "/readyz", "/metrics", "/openapi.json"} {
		require.NotNil(t, c.Doc.Paths.Find(path), "openapi.yaml describes %s", path)
	}
}

// The served Step schema takes a step of every type ccflow defines with
// every field filled in, as ccflow writes it, and refuses a key no step
// type has: the schema follows the step registry, so a new step type is
// described with no edit to openapi.yaml.
func TestTheStepSchemaTakesEveryStepTypeWithEveryField(t *testing.T) {
	t.Parallel()
	schema := apitest.Load(t).Doc.Components.Schemas["Step"].Value
	for _, st := range entry.StepTypes() {
		t.Run(st.Type, func(t *testing.T) {
			spec, ok := entry.NewSpec(st.Type)
			require.True(t, ok)
			fillAll(reflect.ValueOf(spec).Elem())
			data, err := json.Marshal(entry.Step{ID: "a-step", Spec: spec,
				OnError: []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}})
			require.NoError(t, err)
			var step map[string]any
			require.NoError(t, json.Unmarshal(data, &step))
			for _, f := range st.Fields {
				require.Contains(t, step, f.Name, "the step is written with every field filled in")
			}

			require.NoError(t, schema.VisitJSON(step), "%s", data)
			step["no_such_field"] = "x"
			require.Error(t, schema.VisitJSON(step), "a key no step type has")
		})
	}
	require.Error(t, schema.VisitJSON(map[string]any{"type": "no_such_type"}))
}

// fillAll sets every field of v to a value that is not empty: text, a
// text a customer reads in two languages, one nested step, one header, a
// number, true, or a struct filled the same way.
func fillAll(v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[[]entry.Step]():
		v.Set(reflect.ValueOf([]entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}))
	case v.Type() == reflect.TypeFor[entry.Text]():
		v.Set(reflect.ValueOf(entry.Translated(map[string]string{"en": "x", "es": "y"})))
	case v.Kind() == reflect.String:
		v.SetString("x")
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.CanInt():
		v.SetInt(1)
	case v.CanUint():
		v.SetUint(1)
	case v.CanFloat():
		v.SetFloat(1)
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0))
	case v.Kind() == reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		key, elem := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillAll(key)
		fillAll(elem)
		v.SetMapIndex(key, elem)
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillAll(v.Field(i))
			}
		}
	}
}
