package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"sigs.k8s.io/yaml"
)

// openAPIYAML is the API's description, kept as YAML for people to read and
// review; it is served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is openAPIYAML as JSON, converted once.
var openAPIJSON = func() []byte {
	data, err := yaml.YAMLToJSON(openAPIYAML)
	if err != nil {
		// The file is embedded and its test parses it: only a broken build gets here.
		panic(fmt.Sprintf("api: openapi.yaml does not parse: %v", err))
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
