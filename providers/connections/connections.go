// Package connections holds the named internal APIs that http_request steps
// call: a base URL plus credentials, configured on the server so that
// neither entries nor workflow history ever hold them. It parses and
// resolves; it makes no requests.
package connections

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

// maxNameLen is the model's bound on connection names.
const maxNameLen = entry.MaxConnectionNameLen

// Connection is one internal API.
type Connection struct {
	// Name is how steps refer to it, e.g. "crm".
	Name string `json:"-"`
	// BaseURL is an absolute http or https URL without credentials, such as
	// https://crm.internal/api; a step's path is appended to it.
	BaseURL string `json:"base_url"`
	// Headers are sent with every request, e.g. an API key.
	Headers map[string]string `json:"headers,omitempty"`
	// BearerToken, when set, is sent as "Authorization: Bearer <token>".
	BearerToken string `json:"bearer_token,omitempty"`
	// BasicAuth, when set, is sent as HTTP basic authentication.
	BasicAuth *BasicAuth `json:"basic_auth,omitempty"`
}

// BasicAuth is a user name and password for HTTP basic authentication.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// String names the connection without its credentials, so a connection
// that ends up in a log line or an error message leaks nothing.
func (c Connection) String() string {
	return fmt.Sprintf("connection %s (%s)", c.Name, c.BaseURL)
}

// Credentials returns the headers the connection adds to every request: its
// own headers and, from bearer_token or basic_auth, Authorization.
func (c Connection) Credentials() map[string]string {
	h := make(map[string]string, len(c.Headers)+1)
	for k, v := range c.Headers {
		h[k] = v
	}
	switch {
	case c.BearerToken != "":
		h["Authorization"] = "Bearer " + c.BearerToken
	case c.BasicAuth != nil:
		h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(c.BasicAuth.Username+":"+c.BasicAuth.Password))
	}
	return h
}

// URL returns the address of path on the connection: the base URL with
// path appended. path must be empty or start with "/", and may carry a
// query; it may not leave the base URL's host or hold "." or ".." segments,
// since a variable rendered into it must not reach another endpoint.
func (c Connection) URL(path string) (string, error) {
	if path != "" && !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("path %q must start with /", path)
	}
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return "", fmt.Errorf("base URL of connection %s: %w", c.Name, err)
	}
	u, err := url.Parse(strings.TrimRight(c.BaseURL, "/") + path)
	if err != nil {
		return "", fmt.Errorf("path %q: %w", path, err)
	}
	if u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
		return "", fmt.Errorf("path %q leaves the host of connection %s", path, c.Name)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("path %q may not hold %q segments", path, seg)
		}
	}
	return u.String(), nil
}

// ValidName reports whether name can name a connection; the rule is the
// entry model's, since entries name connections (entry.ValidConnectionName).
func ValidName(name string) bool { return entry.ValidConnectionName(name) }

// validate reports the first problem with c.
func (c Connection) validate() error {
	if !ValidName(c.Name) {
		return fmt.Errorf("%q is not a connection name (1 to %d lower-case letters, digits, '_' or '-')", c.Name, maxNameLen)
	}
	if err := checkBaseURL(c.BaseURL); err != nil {
		return fmt.Errorf("connection %s: base_url %w", c.Name, err)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Headers)) {
		switch {
		case !httpguts.ValidHeaderFieldName(name):
			return fmt.Errorf("connection %s: %q is not a header name", c.Name, name)
		case !httpguts.ValidHeaderFieldValue(c.Headers[name]):
			return fmt.Errorf("connection %s: header %s holds characters a header may not (such as a line break)", c.Name, name)
		case strings.EqualFold(name, "Authorization") && (c.BearerToken != "" || c.BasicAuth != nil):
			return fmt.Errorf("connection %s: an Authorization header and bearer_token or basic_auth cannot both be set", c.Name)
		}
	}
	switch {
	case c.BearerToken != "" && c.BasicAuth != nil:
		return fmt.Errorf("connection %s: set bearer_token or basic_auth, not both", c.Name)
	case !httpguts.ValidHeaderFieldValue(c.BearerToken):
		return fmt.Errorf("connection %s: bearer_token holds characters a header may not (such as a line break)", c.Name)
	case c.BasicAuth != nil && c.BasicAuth.Username == "":
		return fmt.Errorf("connection %s: basic_auth needs a username", c.Name)
	}
	return nil
}

// checkBaseURL never repeats the URL it rejects: a mistyped one may hold a
// password.
func checkBaseURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("is required (e.g. https://crm.internal/api)")
	}
	u, err := validation.AbsoluteURL(raw)
	switch {
	case err != nil:
		return err
	case u.User != nil:
		return fmt.Errorf("may not hold credentials: use bearer_token, basic_auth or headers")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("may not hold a query or fragment: steps give those in their path")
	}
	return nil
}

// Set is the connections a worker knows, by name. The zero Set has none.
type Set struct {
	byName map[string]Connection
}

// New returns a Set of conns, or an error naming the first invalid or
// repeated one.
func New(conns ...Connection) (Set, error) {
	s := Set{byName: make(map[string]Connection, len(conns))}
	for _, c := range conns {
		if err := c.validate(); err != nil {
			return Set{}, err
		}
		if _, dup := s.byName[c.Name]; dup {
			return Set{}, fmt.Errorf("connection %s is defined twice", c.Name)
		}
		s.byName[c.Name] = c
	}
	return s, nil
}

// Get returns the connection called name.
func (s Set) Get(name string) (Connection, bool) {
	c, ok := s.byName[name]
	return c, ok
}

// Names returns the names of the connections, sorted.
func (s Set) Names() []string {
	return slices.Sorted(maps.Keys(s.byName))
}
