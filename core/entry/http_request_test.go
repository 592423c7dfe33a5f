package entry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

// withRequest is valid() with the http_request step s as steps[2].
func withRequest(s entry.Step) entry.Entry {
	e := valid()
	e.Steps[2] = s
	return e
}

// request is an http_request step of the fields of r.
func request(r entry.HTTPRequest) entry.Step {
	return entry.Step{Spec: &r}
}

func TestValidateHTTPRequest(t *testing.T) {
	tests := []struct {
		name    string
		step    entry.HTTPRequest
		path    string
		message string
	}{
		{"method known", entry.HTTPRequest{Method: "FETCH", URL: "https://api.example.com"},
			"steps[2].method", `"FETCH" is not a method (use one of GET, POST, PUT, PATCH, DELETE, HEAD)`},
		{"method upper case", entry.HTTPRequest{Method: "post", URL: "https://api.example.com"}, "steps[2].method", `"post" is not a method`},
		{"url or connection required", entry.HTTPRequest{Method: "GET"}, "steps[2].url", "url or connection is required"},
		{"url and connection exclusive", entry.HTTPRequest{URL: "https://api.example.com", Connection: "crm"},
			"steps[2].connection", "give url or connection, not both"},
		{"url absolute", entry.HTTPRequest{URL: "api.example.com/x"}, "steps[2].url", `"api.example.com/x" must be an absolute http:// or https:// URL`},
		{"url http or https", entry.HTTPRequest{URL: "ftp://api.example.com/x"}, "steps[2].url", "must be an absolute http:// or https:// URL"},
		{"url without credentials", entry.HTTPRequest{URL: "https://ada:secret@api.example.com"},
			"steps[2].url", "may not hold credentials: entries are not a place for secrets"},
		{"url template well formed", entry.HTTPRequest{URL: "https://api.example.com/$(order_id"}, "steps[2].url", "without its closing )"},
		{"path only with a connection", entry.HTTPRequest{URL: "https://api.example.com", Path: "/x"},
			"steps[2].path", "only requests through a connection have a path"},
		{"connection name", entry.HTTPRequest{Connection: "CRM"}, "steps[2].connection", `"CRM" is not a connection name`},
		{"path starts with a slash", entry.HTTPRequest{Connection: "crm", Path: "customers"}, "steps[2].path", `"customers" must start with /`},
		{"path template well formed", entry.HTTPRequest{Connection: "crm", Path: "/customers/$()"}, "steps[2].path", "is not a variable name"},
		{"header name valid", entry.HTTPRequest{URL: "https://api.example.com", Headers: map[string]string{"X Order": "1"}},
			"steps[2].headers.X Order", `"X Order" is not a header name`},
		{"no Authorization header", entry.HTTPRequest{URL: "https://api.example.com", Headers: map[string]string{"authorization": "Bearer x"}},
			"steps[2].headers.authorization", "holds credentials, and entries are not a place for secrets: configure a connection"},
		{"no Proxy-Authorization header", entry.HTTPRequest{Connection: "crm", Headers: map[string]string{"Proxy-Authorization": "x"}},
			"steps[2].headers.Proxy-Authorization", "holds credentials"},
		{"no Cookie header", entry.HTTPRequest{Connection: "crm", Headers: map[string]string{"Cookie": "session=1"}},
			"steps[2].headers.Cookie", "holds credentials"},
		{"header value template", entry.HTTPRequest{URL: "https://api.example.com", Headers: map[string]string{"X-Order": "$(order id)"}},
			"steps[2].headers.X-Order", "is not a variable name"},
		{"body template", entry.HTTPRequest{Method: "POST", URL: "https://api.example.com", Body: `{"id": "$(order_id"}`},
			"steps[2].body", "without its closing )"},
		{"timeout parses", entry.HTTPRequest{URL: "https://api.example.com", Timeout: "soon"}, "steps[2].timeout", `"soon" is not a duration`},
		{"timeout longer than zero", entry.HTTPRequest{URL: "https://api.example.com", Timeout: "0s"}, "steps[2].timeout", `"0s" must be longer than zero`},
		{"timeout at most a minute", entry.HTTPRequest{URL: "https://api.example.com", Timeout: "61s"}, "steps[2].timeout", `"61s" is longer than 1m`},
		{"save_as a variable name", entry.HTTPRequest{URL: "https://api.example.com", SaveAs: "crm-reply"},
			"steps[2].save_as", `"crm-reply" is not a variable name`},
		{"save_as not reserved", entry.HTTPRequest{URL: "https://api.example.com", SaveAs: "customer.crm"},
			"steps[2].save_as", `"customer.crm" is reserved`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := entry.Validate(withRequest(request(tt.step)), entry.DefaultCatalog())

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestValidateAcceptsHTTPRequests(t *testing.T) {
	tests := []struct {
		name string
		step entry.Step
	}{
		{"a GET by default", request(entry.HTTPRequest{URL: "https://api.example.com/orders"})},
		{"every field", request(entry.HTTPRequest{Method: "POST", URL: "https://api.example.com/orders/$(order_id)",
			Headers: map[string]string{"Content-Type": "application/json", "X-Interaction": "$(interaction.id)"},
			Body:    `{"customer": "$(customer.id)"}`, Timeout: "30s", SaveAs: "reply"})},
		{"a URL made of a variable", request(entry.HTTPRequest{URL: "$(callback_url)"})},
		{"plain http", request(entry.HTTPRequest{Method: "HEAD", URL: "http://api.example.com"})},
		{"a connection with a path", request(entry.HTTPRequest{Method: "PATCH", Connection: "crm", Path: "/customers/$(customer.id)?notify=1"})},
		{"a connection without a path", request(entry.HTTPRequest{Method: "DELETE", Connection: "order_desk-2"})},
		{"a timeout of a minute", request(entry.HTTPRequest{Connection: "crm", Timeout: "1m"})},
		{"a dotted save_as", request(entry.HTTPRequest{Connection: "crm", SaveAs: "crm.customer"})},
		{"on_error steps", entry.Step{Spec: &entry.HTTPRequest{Connection: "crm"}, OnError: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("$(error.message)")}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, entry.Validate(withRequest(tt.step), entry.DefaultCatalog()))
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	d, err := entry.HTTPTimeout(&entry.HTTPRequest{})
	require.NoError(t, err)
	require.Equal(t, 10*time.Second, d)

	d, err = entry.HTTPTimeout(&entry.HTTPRequest{Timeout: "45s"})
	require.NoError(t, err)
	require.Equal(t, 45*time.Second, d)
}
