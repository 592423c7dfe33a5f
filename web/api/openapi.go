package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"

	"sigs.k8s.io/yaml"

	"github.com/ccflow/ccflow/core/entry"
)

// openAPIYAML is the API's description, kept as YAML for people to read and
// review; it is served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is openAPIYAML as JSON, converted once, with the Step schema
// filled in from the step types core/entry defines: a new step type is
// described without an edit here or in the YAML.
var openAPIJSON = func() []byte {
	// The file is embedded and its test parses it: only a broken build
	// fails here.
	data, err := yaml.YAMLToJSON(openAPIYAML)
	if err != nil {
		panic(fmt.Sprintf("api: openapi.yaml does not parse: %v", err))
	}
	var whole map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers stay as written
	if err := dec.Decode(&whole); err != nil {
		panic(fmt.Sprintf("api: openapi.yaml is not an object: %v", err))
	}
	components, _ := whole["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	step, _ := schemas["Step"].(map[string]any)
	if step == nil {
		panic("api: openapi.yaml has no Step schema to fill in")
	}
	maps.Copy(step, entry.StepSchema("#/components/schemas/Step"))
	if data, err = json.Marshal(whole); err != nil {
		panic(fmt.Sprintf("api: writing the OpenAPI document: %v", err))
	}
	return data
}()

// OpenAPI returns the API's OpenAPI 3.1 document as JSON, as GET
// /openapi.json serves it.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }

func openAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPIJSON)
	})
}
