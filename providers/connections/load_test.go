package connections_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers/connections"
)

// secrets is the environment the files below expand their ${VAR} from.
var secrets = []string{"CRM_API_KEY=key-1", "CRM_TOKEN=token-1", "BILLING_PASSWORD=pa$$word"}

const jsonFile = `{"connections": {
	"crm": {"base_url": "https://crm.internal/api", "headers": {"X-Api-Key": "${CRM_API_KEY}"}, "bearer_token": "${CRM_TOKEN}"},
	"billing": {"base_url": "http://billing.internal:8080", "basic_auth": {"username": "ccflow", "password": "${BILLING_PASSWORD}"}}
}}`

const yamlFile = `
connections:
  crm:
    base_url: https://crm.internal/api
    headers:
      X-Api-Key: ${CRM_API_KEY}
    bearer_token: ${CRM_TOKEN}
  billing:
    base_url: http://billing.internal:8080
    basic_auth:
      username: ccflow
      password: ${BILLING_PASSWORD}
`

func TestParseReadsJSONAndYAMLAlike(t *testing.T) {
	for name, data := range map[string]string{"json": jsonFile, "yaml": yamlFile} {
		t.Run(name, func(t *testing.T) {
			set, err := connections.Parse([]byte(data), secrets)
			require.NoError(t, err)

			require.Equal(t, []string{"billing", "crm"}, set.Names())
			crm, ok := set.Get("crm")
			require.True(t, ok)
			require.Equal(t, connections.Connection{Name: "crm", BaseURL: "https://crm.internal/api",
				Headers: map[string]string{"X-Api-Key": "key-1"}, BearerToken: "token-1"}, crm)
			billing, ok := set.Get("billing")
			require.True(t, ok)
			require.Equal(t, &connections.BasicAuth{Username: "ccflow", Password: "pa$$word"}, billing.BasicAuth)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		message string
	}{
		{"a missing variable is named",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "bearer_token": "${CRM_SECRET}"}}}`,
			"connection crm: bearer_token: ${CRM_SECRET}: CRM_SECRET is not set in the environment"},
		{"a missing variable in a header",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "headers": {"X-Api-Key": "k-${NOPE}"}}}}`,
			"connection crm: headers.X-Api-Key: ${NOPE}: NOPE is not set"},
		{"an unclosed variable",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "bearer_token": "${CRM_TOKEN"}}}`,
			"bearer_token: ${ without its closing }"},
		{"an unknown field",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "token": "x"}}}`,
			`unknown field "token"`},
		{"not a file of connections", `[1, 2]`, "not a connections file"},
		{"a base URL is required", `{"connections": {"crm": {}}}`, "connection crm: base_url is required"},
		{"the base URL is http or https", `{"connections": {"crm": {"base_url": "ftp://crm.internal"}}}`,
			"must be an absolute http:// or https:// URL with a host"},
		{"credentials stay out of the base URL", `{"connections": {"crm": {"base_url": "https://u:p@crm.internal"}}}`,
			"may not hold credentials"},
		{"a connection name is lower case", `{"connections": {"CRM": {"base_url": "https://crm.internal"}}}`,
			`"CRM" is not a connection name`},
		{"bearer token or basic auth, not both",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "bearer_token": "t", "basic_auth": {"username": "u"}}}}`,
			"set bearer_token or basic_auth, not both"},
		{"basic auth needs a username",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "basic_auth": {"password": "p"}}}}`,
			"basic_auth needs a username"},
		{"header names are checked",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "headers": {"X Key": "v"}}}}`,
			`"X Key" is not a header name`},
		{"an Authorization header besides a token",
			`{"connections": {"crm": {"base_url": "https://crm.internal", "bearer_token": "t", "headers": {"authorization": "x"}}}}`,
			"an Authorization header and bearer_token or basic_auth cannot both be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connections.Parse([]byte(tt.file), secrets)
			require.ErrorContains(t, err, tt.message)
		})
	}
}

func TestErrorsNeverRepeatACredential(t *testing.T) {
	_, err := connections.Parse([]byte(`{"connections": {"crm": {"base_url": "https://ada:hunter2@crm.internal"}}}`), nil)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}

func TestLoadFromEnvironmentVariables(t *testing.T) {
	set, err := connections.Load([]string{
		"CCFLOW_CONNECTION_CRM_URL=https://crm.internal/api",
		"CCFLOW_CONNECTION_CRM_TOKEN=token-1",
		"CCFLOW_CONNECTION_ORDER_DESK_URL=http://orders.internal",
		"PATH=/bin",
	})
	require.NoError(t, err)

	require.Equal(t, []string{"crm", "order_desk"}, set.Names())
	crm, _ := set.Get("crm")
	require.Equal(t, connections.Connection{Name: "crm", BaseURL: "https://crm.internal/api", BearerToken: "token-1"}, crm)
}

func TestLoadFromAFileTheEnvironmentOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connections.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yamlFile), 0o600))
	environ := append([]string{
		"CCFLOW_CONNECTIONS_FILE=" + path,
		"CCFLOW_CONNECTION_CRM_URL=https://crm.staging.internal/api",
		"CCFLOW_CONNECTION_SUPPORT_URL=https://support.internal",
	}, secrets...)

	set, err := connections.Load(environ)
	require.NoError(t, err)

	require.Equal(t, []string{"billing", "crm", "support"}, set.Names())
	crm, _ := set.Get("crm")
	require.Equal(t, "https://crm.staging.internal/api", crm.BaseURL)
	require.Equal(t, "token-1", crm.BearerToken, "the file's token is kept")
}

func TestLoadWithoutConnections(t *testing.T) {
	set, err := connections.Load([]string{"PATH=/bin"})
	require.NoError(t, err)
	require.Empty(t, set.Names())
	_, ok := set.Get("crm")
	require.False(t, ok)
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		message string
	}{
		{"a token without a URL", []string{"CCFLOW_CONNECTION_CRM_TOKEN=t"},
			"connection crm has no base URL: set CCFLOW_CONNECTION_CRM_URL or its base_url in the connections file"},
		{"an unknown setting", []string{"CCFLOW_CONNECTION_CRM_KEY=k"},
			"CCFLOW_CONNECTION_CRM_KEY: not a connection setting"},
		{"an empty value", []string{"CCFLOW_CONNECTION_CRM_URL="}, "CCFLOW_CONNECTION_CRM_URL is set but empty"},
		{"a bad URL", []string{"CCFLOW_CONNECTION_CRM_URL=crm.internal"}, "connection crm: base_url must be an absolute http:// or https:// URL"},
		{"a missing file", []string{"CCFLOW_CONNECTIONS_FILE=" + filepath.Join(os.TempDir(), "no-such-ccflow-connections.json")},
			"CCFLOW_CONNECTIONS_FILE: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connections.Load(tt.environ)
			require.ErrorContains(t, err, tt.message)
		})
	}
}
