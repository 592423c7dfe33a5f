package apiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
)

// Error is an answer of the API other than 2xx, decoded from its error
// body {"error": {"code", "message", "field", "details"}}.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the API's error code, such as "invalid_field" or "conflict";
	// empty when the answer had no error body (a proxy's page, say).
	Code string
	// Message is the API's message; for a field it starts with the field's
	// path, as in `steps[2].duration: "3 dayz" is not a duration`.
	Message string
	// Field is the path of the (first) field the API rejected, if any.
	Field string
	// Details lists every problem when the API found more than one.
	Details []FieldProblem
	// RequestID is the request's X-Request-Id, which finds its lines in
	// ccflow's log.
	RequestID string
}

// FieldProblem is one problem of an input the API rejected.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Details) > 0 {
		msg = e.Fields().Error()
	}
	status := fmt.Sprintf("%d %s", e.Status, e.Code)
	if e.Code == "" {
		status = fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%s (%s)", msg, status)
}

// Fields returns the problems as validation.Errors, the type local
// validation returns, so both can be reported alike. It is empty when the
// error is not about fields.
func (e *Error) Fields() validation.Errors {
	if len(e.Details) > 0 {
		errs := make(validation.Errors, len(e.Details))
		for i, d := range e.Details {
			errs[i] = &validation.FieldError{Path: d.Field, Message: d.Message}
		}
		return errs
	}
	if e.Field == "" {
		return nil
	}
	// Message repeats the path in front; keep only what follows.
	return validation.Errors{{Path: e.Field, Message: strings.TrimPrefix(e.Message, e.Field+": ")}}
}

// IsStale reports whether err is the API's 412: a conditional write found
// the entry changed since it was read.
func IsStale(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusPreconditionFailed
}

// IsNotFound reports whether err is the API's 404.
func IsNotFound(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound
}

// errorBody is the API's error shape.
type errorBody struct {
	Error *struct {
		Code      string         `json:"code"`
		Message   string         `json:"message"`
		Field     string         `json:"field"`
		Details   []FieldProblem `json:"details"`
		RequestID string         `json:"request_id"`
	} `json:"error"`
}

// decodeError reads the error body of an answer with status. An answer
// that is not in the API's shape keeps the start of its text, which is
// what tells a wrong URL apart from a ccflow problem.
func decodeError(status int, data []byte) *Error {
	var body errorBody
	if err := json.Unmarshal(data, &body); err == nil && body.Error != nil && body.Error.Code != "" {
		b := body.Error
		return &Error{Status: status, Code: b.Code, Message: b.Message, Field: b.Field, Details: b.Details, RequestID: b.RequestID}
	}
	text := strings.TrimSpace(string(data))
	const maxText = 200
	if len(text) > maxText {
		text = text[:maxText] + "…"
	}
	if text == "" {
		text = "no body"
	}
	return &Error{Status: status, Message: "unexpected answer: " + text}
}
