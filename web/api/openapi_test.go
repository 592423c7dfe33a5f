package api_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

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
