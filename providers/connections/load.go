package connections

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Environment variables connections are read from.
const (
	// FileVariable names a JSON or YAML file of connections.
	FileVariable = "CCFLOW_CONNECTIONS_FILE"
	// envPrefix starts CCFLOW_CONNECTION_<NAME>_URL and _TOKEN.
	envPrefix = "CCFLOW_CONNECTION_"
)

// file is the shape of a connections file:
//
//	{"connections": {"crm": {"base_url": "https://crm.internal/api",
//	                         "bearer_token": "${CRM_TOKEN}"}}}
type file struct {
	Connections map[string]Connection `json:"connections"`
}

// Load reads a worker's connections from environ (in os.Environ's form):
// the file FileVariable names, if any, then CCFLOW_CONNECTION_<NAME>_URL and
// CCFLOW_CONNECTION_<NAME>_TOKEN, whose NAME is the connection's name in
// upper case. Those variables add connections or override a file's
// base_url and bearer_token, so a file can be shared between deployments.
func Load(environ []string) (Set, error) {
	conns := map[string]Connection{}
	if path := lookup(environ, FileVariable); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Set{}, fmt.Errorf("%s: %w", FileVariable, err)
		}
		if conns, err = parseFile(data, environ); err != nil {
			return Set{}, fmt.Errorf("%s %s: %w", FileVariable, path, err)
		}
	}
	if err := addEnv(conns, environ); err != nil {
		return Set{}, err
	}
	return New(mapValues(conns)...)
}

// Parse reads a connections file, JSON or YAML, expanding each ${VAR} in
// its values from environ. A variable that is unset or empty is an error
// naming it: a connection without its credentials would only fail later,
// at a customer's step.
func Parse(data []byte, environ []string) (Set, error) {
	conns, err := parseFile(data, environ)
	if err != nil {
		return Set{}, err
	}
	return New(mapValues(conns)...)
}

func parseFile(data []byte, environ []string) (map[string]Connection, error) {
	var f file
	// YAML is a superset of JSON, so one strict decoder reads both.
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("not a connections file: %w", err)
	}
	conns := make(map[string]Connection, len(f.Connections))
	for _, name := range slices.Sorted(maps.Keys(f.Connections)) {
		c := f.Connections[name]
		c.Name = name
		if err := c.expand(environ); err != nil {
			return nil, fmt.Errorf("connection %s: %w", name, err)
		}
		conns[name] = c
	}
	return conns, nil
}

// expand replaces ${VAR} in every value of c.
func (c *Connection) expand(environ []string) error {
	type field struct {
		name  string
		value *string
	}
	fields := []field{{"base_url", &c.BaseURL}, {"bearer_token", &c.BearerToken}}
	if c.BasicAuth != nil {
		auth := *c.BasicAuth
		c.BasicAuth = &auth
		fields = append(fields, field{"basic_auth.username", &auth.Username}, field{"basic_auth.password", &auth.Password})
	}
	headers := make(map[string]*string, len(c.Headers))
	for _, h := range slices.Sorted(maps.Keys(c.Headers)) {
		v := c.Headers[h]
		headers[h] = &v
		fields = append(fields, field{"headers." + h, &v})
	}
	for _, f := range fields {
		out, err := expandVars(*f.value, environ)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.value = out
	}
	for h, v := range headers {
		c.Headers[h] = *v
	}
	return nil
}

// expandVars replaces each ${NAME} in s with the variable's value. Only
// that form is expanded: a lone "$" stays, since passwords hold them.
func expandVars(s string, environ []string) (string, error) {
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return "", fmt.Errorf("${ without its closing }")
		}
		name := s[start+2 : start+end]
		if !validEnvName(name) {
			return "", fmt.Errorf("${%s} does not name an environment variable", name)
		}
		value := lookup(environ, name)
		if value == "" {
			return "", fmt.Errorf("${%s}: %s is not set in the environment", name, name)
		}
		b.WriteString(s[:start])
		b.WriteString(value)
		s = s[start+end+1:]
	}
}

func validEnvName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, c := range name {
		if !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

// addEnv applies the CCFLOW_CONNECTION_<NAME>_URL and _TOKEN variables of
// environ to conns. Each error names the variable to fix.
func addEnv(conns map[string]Connection, environ []string) error {
	var errs []error
	for _, kv := range slices.Sorted(slices.Values(environ)) {
		variable, value, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(variable, envPrefix)
		if !ok {
			continue
		}
		upper, setting, found := cutLast(rest, "_")
		name := strings.ToLower(upper)
		switch {
		case !found || (setting != "URL" && setting != "TOKEN"):
			errs = append(errs, fmt.Errorf("%s: not a connection setting (use %s<NAME>_URL or %s<NAME>_TOKEN)", variable, envPrefix, envPrefix))
			continue
		case !ValidName(name):
			errs = append(errs, fmt.Errorf("%s: %q is not a connection name (1 to %d letters, digits or '_')", variable, upper, maxNameLen))
			continue
		case value == "":
			errs = append(errs, fmt.Errorf("%s is set but empty", variable))
			continue
		}
		c := conns[name]
		c.Name = name
		if setting == "URL" {
			c.BaseURL = value
		} else {
			c.BearerToken = value
		}
		conns[name] = c
	}
	for _, name := range slices.Sorted(maps.Keys(conns)) {
		if conns[name].BaseURL == "" {
			upper := envPrefix + strings.ToUpper(name)
			errs = append(errs, fmt.Errorf("connection %s has no base URL: set %s_URL or its base_url in the connections file", name, upper))
		}
	}
	return errors.Join(errs...)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// lookup returns the value of variable in environ, or "".
func lookup(environ []string, variable string) string {
	for _, kv := range environ {
		if name, value, _ := strings.Cut(kv, "="); name == variable {
			return value
		}
	}
	return ""
}

func mapValues(conns map[string]Connection) []Connection {
	out := make([]Connection, 0, len(conns))
	for _, name := range slices.Sorted(maps.Keys(conns)) {
		out = append(out, conns[name])
	}
	return out
}
