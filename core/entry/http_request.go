package entry

import (
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/providers/connections"
)

// Defaults and bounds of http_request steps.
const (
	DefaultHTTPMethod  = "GET"
	DefaultHTTPTimeout = 10 * time.Second
	MaxHTTPTimeout     = time.Minute
)

// HTTPMethods are the methods an http_request step may use.
var HTTPMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}

// credentialHeaders may not be set in an entry: entries are read by
// operators, stored in versions and copied into workflow history, so
// credentials belong to connections on the server.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// HTTPTimeout is the timeout of an http_request step: its timeout field, or
// DefaultHTTPTimeout when it has none.
func HTTPTimeout(s Step) (time.Duration, error) {
	if s.Timeout == "" {
		return DefaultHTTPTimeout, nil
	}
	return durations.Parse(s.Timeout)
}

func (v *validator) checkHTTPRequest(s Step, path string) {
	at := func(field string) string { return validation.Join(path, field) }
	if s.Method != "" && !slices.Contains(HTTPMethods, s.Method) {
		v.addf(at("method"), "%q is not a method (use one of %s)", s.Method, strings.Join(HTTPMethods, ", "))
	}
	switch {
	case s.URL == "" && s.Connection == "":
		v.addf(at("url"), "url or connection is required (connection for internal APIs)")
	case s.URL != "" && s.Connection != "":
		v.addf(at("connection"), "give url or connection, not both")
	case s.URL != "":
		v.checkRequestURL(s.URL, at("url"))
		if s.Path != "" {
			v.addf(at("path"), "only requests through a connection have a path; put it in url")
		}
	default:
		if !connections.ValidName(s.Connection) {
			v.addf(at("connection"), "%q is not a connection name (1 to 64 lower-case letters, digits, '_' or '-')", s.Connection)
		}
		if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
			v.addf(at("path"), "%q must start with /", s.Path)
		} else {
			v.checkTemplate(s.Path, at("path"))
		}
	}
	v.checkHeaders(s.Headers, at("headers"))
	v.checkTemplate(s.Body, at("body"))
	v.checkHTTPTimeout(s, at("timeout"))
	if s.SaveAs != "" {
		v.checkVariableName(s.SaveAs, at("save_as"))
	}
}

// checkRequestURL checks a url field. One with variables is only known at
// run time, where the activity checks it again.
func (v *validator) checkRequestURL(raw, path string) {
	names, err := templates.Names(raw)
	switch {
	case err != nil:
		v.add(path, err)
		return
	case len(names) > 0:
		return
	}
	u, err := validation.AbsoluteURL(raw)
	switch {
	case err != nil:
		v.addf(path, "%q %v", raw, err)
	case u.User != nil:
		v.addf(path, "may not hold credentials: entries are not a place for secrets (call the API through a connection)")
	}
}

func (v *validator) checkHeaders(headers map[string]string, path string) {
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		at := validation.Join(path, name)
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			v.addf(at, "%q is not a header name", name)
		case slices.ContainsFunc(credentialHeaders, func(c string) bool { return strings.EqualFold(c, name) }):
			v.addf(at, "holds credentials, and entries are not a place for secrets: configure a connection on the server and name it in connection")
		default:
			v.checkTemplate(headers[name], at)
		}
	}
}

func (v *validator) checkHTTPTimeout(s Step, path string) {
	if s.Timeout == "" {
		return
	}
	d, err := HTTPTimeout(s)
	switch {
	case err != nil:
		v.add(path, err)
	case d <= 0:
		v.addf(path, "%q must be longer than zero", s.Timeout)
	case d > MaxHTTPTimeout:
		v.addf(path, "%q is longer than %s", s.Timeout, durations.Format(MaxHTTPTimeout))
	}
}
