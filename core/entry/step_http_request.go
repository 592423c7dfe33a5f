package entry

import (
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/durations"
)

// StepHTTPRequest is the type of HTTPRequest steps.
const StepHTTPRequest = "http_request"

// Defaults and bounds of http_request steps.
const (
	DefaultHTTPMethod  = "GET"
	DefaultHTTPTimeout = 10 * time.Second
	MaxHTTPTimeout     = time.Minute
)

// HTTPRequest calls an external API by URL, or an internal one through a
// connection configured on the server, and may keep the answer in
// variables.
type HTTPRequest struct {
	Method     string            `json:"method" kind:"enum" options:"GET,POST,PUT,PATCH,DELETE,HEAD" noun:"method" label:"Method" help:"The HTTP method; GET when empty."`
	URL        string            `json:"url" kind:"url" label:"URL" help:"The absolute http:// or https:// URL of an external API, which may hold $(variables); give url or connection."`
	Connection string            `json:"connection" kind:"connection" label:"Connection" help:"The name of an internal API configured on the server, which keeps its base URL and credentials; give url or connection."`
	Path       string            `json:"path" kind:"template" label:"Path" help:"With a connection: the path under its base URL, starting with /, such as /customers/$(customer.id)."`
	Headers    map[string]string `json:"headers" kind:"headers" label:"Headers" help:"Request headers, whose values may hold $(variables); credentials belong to connections, not here."`
	Body       string            `json:"body" kind:"message" label:"Body" help:"The request body, sent as written with its $(variables) filled in."`
	Timeout    string            `json:"timeout" kind:"timeout" label:"Timeout" help:"How long one attempt may take, such as 30s; 10s when empty, at most 1m."`
	SaveAs     string            `json:"save_as" kind:"variable" label:"Save as" help:"A variable name to keep the answer under: $(<save_as>.status), $(<save_as>.headers.<name>) and $(<save_as>.body)."`
}

func init() {
	define[HTTPRequest](StepHTTPRequest, "HTTP request",
		"Calls an external API, or an internal one through a connection, and can keep its answer for later steps.", inGroup(GroupData))
}

// HTTPMethods are the methods an http_request step may use: the options of
// its method field.
var HTTPMethods = optionsOf[HTTPRequest]("method")

// HTTPTimeout is the timeout of an http_request step: its timeout field, or
// DefaultHTTPTimeout when it has none.
func HTTPTimeout(s *HTTPRequest) (time.Duration, error) {
	if s.Timeout == "" {
		return DefaultHTTPTimeout, nil
	}
	return durations.Parse(s.Timeout)
}

// check requires exactly one target, url or connection, and a path only
// with a connection, where it starts with /.
func (s *HTTPRequest) check(c *checker) {
	switch {
	case s.URL == "" && s.Connection == "":
		c.addf("url", "url or connection is required (connection for internal APIs)")
	case s.URL != "" && s.Connection != "":
		c.addf("connection", "give url or connection, not both")
	case s.URL != "" && s.Path != "":
		c.addf("path", "only requests through a connection have a path; put it in url")
	case s.Connection != "" && s.Path != "" && !strings.HasPrefix(s.Path, "/"):
		c.addf("path", "%q must start with /", s.Path)
	}
}

// defines are the variables the answer is saved under, with save_as.
func (s *HTTPRequest) defines() []string {
	if s.SaveAs == "" {
		return nil
	}
	return []string{s.SaveAs + ".status", s.SaveAs + ".headers", s.SaveAs + ".body"}
}
