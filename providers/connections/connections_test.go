package connections_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers/connections"
)

func TestURLAppendsThePathToTheBaseURL(t *testing.T) {
	tests := []struct {
		base, path, want string
	}{
		{"https://crm.internal/api", "/customers/C-77", "https://crm.internal/api/customers/C-77"},
		{"https://crm.internal/api/", "/customers/C-77", "https://crm.internal/api/customers/C-77"},
		{"https://crm.internal/api", "/customers?id=C-77&x=1", "https://crm.internal/api/customers?id=C-77&x=1"},
		{"https://crm.internal/api", "", "https://crm.internal/api"},
		{"http://127.0.0.1:8080", "/x", "http://127.0.0.1:8080/x"},
	}
	for _, tt := range tests {
		t.Run(tt.base+tt.path, func(t *testing.T) {
			got, err := connections.Connection{Name: "crm", BaseURL: tt.base}.URL(tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestURLKeepsThePathOnTheConnection(t *testing.T) {
	tests := []struct {
		path, message string
	}{
		{"customers", `path "customers" must start with /`},
		{"/../admin", `may not hold ".." segments`},
		{"/customers/%2e%2e/admin", `may not hold ".." segments`},
		{"/./x", `may not hold "." segments`},
		{"@evil.example/x", "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := connections.Connection{Name: "crm", BaseURL: "https://crm.internal/api"}.URL(tt.path)
			require.ErrorContains(t, err, tt.message)
		})
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name string
		conn connections.Connection
		want map[string]string
	}{
		{"headers and a bearer token",
			connections.Connection{Headers: map[string]string{"X-Api-Key": "k"}, BearerToken: "t"},
			map[string]string{"X-Api-Key": "k", "Authorization": "Bearer t"}},
		{"basic auth",
			connections.Connection{BasicAuth: &connections.BasicAuth{Username: "Aladdin", Password: "open sesame"}},
			map[string]string{"Authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}},
		{"none", connections.Connection{}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.conn.Credentials())
		})
	}
}

func TestAConnectionPrintsWithoutItsCredentials(t *testing.T) {
	c := connections.Connection{Name: "crm", BaseURL: "https://crm.internal", BearerToken: "hunter2",
		Headers: map[string]string{"X-Api-Key": "hunter3"}, BasicAuth: &connections.BasicAuth{Username: "u", Password: "hunter4"}}

	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%v", []connections.Connection{c})} {
		require.Equal(t, "connection crm (https://crm.internal)", trimBrackets(s))
	}
}

func trimBrackets(s string) string {
	if len(s) > 1 && s[0] == '[' {
		return s[1 : len(s)-1]
	}
	return s
}

func TestNewRejectsATwiceDefinedName(t *testing.T) {
	c := connections.Connection{Name: "crm", BaseURL: "https://crm.internal"}
	_, err := connections.New(c, c)
	require.EqualError(t, err, "connection crm is defined twice")
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"crm": true, "order_desk": true, "billing-v2": true, "a": true,
		"": false, "CRM": false, "crm.internal": false, "crm api": false,
		"a234567890123456789012345678901234567890123456789012345678901234":  true,
		"a2345678901234567890123456789012345678901234567890123456789012345": false,
	} {
		require.Equal(t, want, connections.ValidName(name), name)
	}
}
