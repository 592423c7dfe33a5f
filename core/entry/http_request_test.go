package entry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

// withRequest is valid() with an http_request step as steps[2].
func withRequest(s entry.Step) entry.Entry {
	e := valid()
	s.Type = entry.StepHTTPRequest
	e.Steps[2] = s
	return e
}

func TestValidateHTTPRequest(t *testing.T) {
	tests := []struct {
		name    string
		step    entry.Step
		path    string
		message string
	}{
		{"method known", entry.Step{Method: "FETCH", URL: "https://api.example.com"},
			"steps[2].method", `"FETCH" is not a method (use one of GET, POST, PUT, PATCH, DELETE, HEAD)`},
		{"method upper case", entry.Step{Method: "post", URL: "https://api.example.com"}, "steps[2].method", `"post" is not a method`},
		{"url or connection required", entry.Step{Method: "GET"}, "steps[2].url", "url or connection is required"},
		{"url and connection exclusive", entry.Step{URL: "https://api.example.com", Connection: "crm"},
			"steps[2].connection", "give url or connection, not both"},
		{"url absolute", entry.Step{URL: "api.example.com/x"}, "steps[2].url", `"api.example.com/x" must be an absolute http:// or https:// URL`},
		{"url http or https", entry.Step{URL: "ftp://api.example.com/x"}, "steps[2].url", "must be an absolute http:// or https:// URL"},
		{"url without credentials", entry.Step{URL: "https://ada:secret@api.example.com"},
			"steps[2].url", "may not hold credentials: entries are not a place for secrets"},
		{"url template well formed", entry.Step{URL: "https://api.example.com/$(order_id"}, "steps[2].url", "without its closing )"},
		{"path only with a connection", entry.Step{URL: "https://api.example.com", Path: "/x"},
			"steps[2].path", "only requests through a connection have a path"},
		{"connection name", entry.Step{Connection: "CRM"}, "steps[2].connection", `"CRM" is not a connection name`},
		{"path starts with a slash", entry.Step{Connection: "crm", Path: "customers"}, "steps[2].path", `"customers" must start with /`},
		{"path template well formed", entry.Step{Connection: "crm", Path: "/customers/$()"}, "steps[2].path", "is not a variable name"},
		{"header name valid", entry.Step{URL: "https://api.example.com", Headers: map[string]string{"X Order": "1"}},
			"steps[2].headers.X Order", `"X Order" is not a header name`},
		{"no Authorization header", entry.Step{URL: "https://api.example.com", Headers: map[string]string{"authorization": "Bearer x"}},
			"steps[2].headers.authorization", "holds credentials, and entries are not a place for secrets: configure a connection"},
		{"no Proxy-Authorization header", entry.Step{Connection: "crm", Headers: map[string]string{"Proxy-Authorization": "x"}},
			"steps[2].headers.Proxy-Authorization", "holds credentials"},
		{"no Cookie header", entry.Step{Connection: "crm", Headers: map[string]string{"Cookie": "session=1"}},
			"steps[2].headers.Cookie", "holds credentials"},
		{"header value template", entry.Step{URL: "https://api.example.com", Headers: map[string]string{"X-Order": "$(order id)"}},
			"steps[2].headers.X-Order", "is not a variable name"},
		{"body template", entry.Step{Method: "POST", URL: "https://api.example.com", Body: `{"id": "$(order_id"}`},
			"steps[2].body", "without its closing )"},
		{"timeout parses", entry.Step{URL: "https://api.example.com", Timeout: "soon"}, "steps[2].timeout", `"soon" is not a duration`},
		{"timeout longer than zero", entry.Step{URL: "https://api.example.com", Timeout: "0s"}, "steps[2].timeout", `"0s" must be longer than zero`},
		{"timeout at most a minute", entry.Step{URL: "https://api.example.com", Timeout: "61s"}, "steps[2].timeout", `"61s" is longer than 1m`},
		{"save_as a variable name", entry.Step{URL: "https://api.example.com", SaveAs: "crm-reply"},
			"steps[2].save_as", `"crm-reply" is not a variable name`},
		{"save_as not reserved", entry.Step{URL: "https://api.example.com", SaveAs: "customer.crm"},
			"steps[2].save_as", `"customer.crm" is reserved`},
		{"no fields of other step types", entry.Step{URL: "https://api.example.com", Text: "hi"},
			"steps[2].text", "not a field of http_request steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := entry.Validate(withRequest(tt.step), entry.DefaultCatalog())

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestValidateAcceptsHTTPRequests(t *testing.T) {
	tests := []struct {
		name string
		step entry.Step
	}{
		{"a GET by default", entry.Step{URL: "https://api.example.com/orders"}},
		{"every field", entry.Step{Method: "POST", URL: "https://api.example.com/orders/$(order_id)",
			Headers: map[string]string{"Content-Type": "application/json", "X-Interaction": "$(interaction.id)"},
			Body:    `{"customer": "$(customer.id)"}`, Timeout: "30s", SaveAs: "reply"}},
		{"a URL made of a variable", entry.Step{URL: "$(callback_url)"}},
		{"plain http", entry.Step{Method: "HEAD", URL: "http://api.example.com"}},
		{"a connection with a path", entry.Step{Method: "PATCH", Connection: "crm", Path: "/customers/$(customer.id)?notify=1"}},
		{"a connection without a path", entry.Step{Method: "DELETE", Connection: "order_desk-2"}},
		{"a timeout of a minute", entry.Step{Connection: "crm", Timeout: "1m"}},
		{"a dotted save_as", entry.Step{Connection: "crm", SaveAs: "crm.customer"}},
		{"on_error steps", entry.Step{Connection: "crm", OnError: []entry.Step{{Type: entry.StepSendSMS, Text: "$(error.message)"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, entry.Validate(withRequest(tt.step), entry.DefaultCatalog()))
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	d, err := entry.HTTPTimeout(entry.Step{})
	require.NoError(t, err)
	require.Equal(t, 10*time.Second, d)

	d, err = entry.HTTPTimeout(entry.Step{Timeout: "45s"})
	require.NoError(t, err)
	require.Equal(t, 45*time.Second, d)
}
