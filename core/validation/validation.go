// Package validation holds the error type every input path uses to name the
// field it rejects, so the API, entry files and survey answers report alike.
package validation

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError says which field of an input is wrong and why. Path uses the
// JSON names with dots and indexes, e.g. "steps[2].duration".
type FieldError struct {
	Path    string
	Message string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Errorf builds a FieldError for path.
func Errorf(path, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Message: fmt.Sprintf(format, args...)}
}

// Errors is every problem found in one input, in the order found.
type Errors []*FieldError

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Err returns nil when es is empty, so callers can return it directly.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// First returns the first FieldError inside err (a *FieldError or Errors),
// or nil when err carries none.
func First(err error) *FieldError {
	var es Errors
	if errors.As(err, &es) && len(es) > 0 {
		return es[0]
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

// Join prefixes a path to a nested path: Join("steps[1]", "then[0]") is
// "steps[1].then[0]".
func Join(parent, child string) string {
	switch {
	case parent == "":
		return child
	case child == "":
		return parent
	case strings.HasPrefix(child, "["):
		return parent + child
	}
	return parent + "." + child
}
