// Package problem says what a caller is told about a use case's error: the
// HTTP status, a code, a message and the field it concerns. The JSON API
// writes it as its error body and the administrator's console shows it on
// the page, beside the field it names: one mapping, so both say the same
// words.
package problem

import (
	"errors"
	"net/http"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
)

// Codes of the problems Of returns, the "code" member of the API's error
// body.
const (
	CodeInvalidJSON        = "invalid_json"
	CodeInvalidField       = "invalid_field"
	CodeUnknownField       = "unknown_field"
	CodeNotFound           = "not_found"
	CodeConflict           = "conflict"
	CodeVersionChanged     = "version_changed"
	CodeWorkflowNotRunning = "workflow_not_running"
	CodeInvalidInput       = "invalid_input"
	CodeUnavailable        = "unavailable"
	CodeInternal           = "internal"
	CodeTooManyRequests    = "too_many_requests"
)

// UnavailableMessage is what a caller hears when PostgreSQL or Temporal did
// not answer and the use case had nothing more to say.
const UnavailableMessage = "Temporal or PostgreSQL did not answer; nothing was changed, try again"

// Problem is what a caller is told about an error.
type Problem struct {
	Status  int
	Code    string
	Message string
	// Field names the field at fault, as a path such as
	// steps[2].duration; "" when the problem is not one field's.
	Field string
	// Fields lists every field problem of a validation error that has
	// more than one; Field and Message are the first.
	Fields []*validation.FieldError
	// Err is the error the problem tells of, for the log; DecodeJSON sets
	// it.
	Err error
}

// Of maps a use case's error to the problem a caller is told. Errors it
// does not know are internal: their text stays in the log, the caller
// hears "internal error".
func Of(err error) Problem {
	var unavailable *usecase.UnavailableError
	switch {
	case errors.Is(err, usecase.ErrStale):
		return Problem{Status: http.StatusPreconditionFailed, Code: CodeVersionChanged, Message: err.Error()}
	case errors.Is(err, usecase.ErrConflict):
		p := Problem{Status: http.StatusConflict, Code: CodeConflict, Message: err.Error()}
		if fe := validation.First(err); fe != nil {
			p.Field, p.Message = fe.Path, fe.Error()
		}
		return p
	case errors.Is(err, usecase.ErrBusy):
		return Problem{Status: http.StatusTooManyRequests, Code: CodeTooManyRequests, Message: err.Error()}
	case errors.Is(err, usecase.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Code: CodeNotFound, Message: err.Error()}
	case errors.Is(err, usecase.ErrNotRunning):
		return Problem{Status: http.StatusConflict, Code: CodeWorkflowNotRunning, Message: err.Error()}
	case validation.First(err) != nil:
		return invalid(err)
	case usecase.IsInvalidInput(err):
		// Validation refuses what Temporal and PostgreSQL would; this is
		// the net under it, so a refused value is never a 500.
		return Problem{Status: http.StatusBadRequest, Code: CodeInvalidInput,
			Message: "a value of the request was refused as invalid: " + usecase.InvalidInputReason(err)}
	case errors.As(err, &unavailable):
		return Problem{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: unavailable.Message}
	case usecase.IsUnavailable(err):
		return Problem{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: UnavailableMessage}
	}
	return Problem{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error"}
}

// invalid is the 400 for validation errors: Field names the first problem,
// Fields lists them all when there are several.
func invalid(err error) Problem {
	first := validation.First(err)
	p := Problem{Status: http.StatusBadRequest, Code: CodeInvalidField, Message: first.Error(), Field: first.Path}
	if first.Path == "" {
		// A problem with the whole document, such as JSON that does not parse.
		p.Code = CodeInvalidJSON
	}
	var all validation.Errors
	if errors.As(err, &all) && len(all) > 1 {
		p.Fields = all
	}
	return p
}
