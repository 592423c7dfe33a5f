package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/problem"
	"github.com/ccflow/ccflow/web/requestid"
)

// maxBody bounds every request body.
const maxBody = 1 << 20

// Error codes in the "code" member of an error body.
// Those of the use cases' errors are package problem's, shared with the
// console.
const (
	codeInvalidJSON        = problem.CodeInvalidJSON
	codeInvalidField       = problem.CodeInvalidField
	codeUnknownField       = problem.CodeUnknownField
	codeUnsupportedType    = "unsupported_media_type"
	codeTooLarge           = "body_too_large"
	codeUnauthorized       = "unauthorized"
	codeNotFound           = problem.CodeNotFound
	codeConflict           = problem.CodeConflict
	codeAlreadyAnswered    = "already_answered"
	codeExpired            = "expired"
	codeUnavailable        = problem.CodeUnavailable
	codeInternal           = problem.CodeInternal
	codeInvalidInput       = problem.CodeInvalidInput
	codeWorkflowNotRunning = problem.CodeWorkflowNotRunning
	codeMethodNotAllowed   = "method_not_allowed"
	codeForbidden          = "forbidden"
	codeTooManyRequests    = problem.CodeTooManyRequests
)

// apiError is an API error: what goes into the SPEC's error body and the HTTP
// status it is sent with. Handlers return it (or an error that toError
// maps) and the error middleware writes it.
type apiError struct {
	Status  int            `json:"-"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Field   string         `json:"field,omitempty"`
	Details []fieldProblem `json:"details,omitempty"`
	// RequestID is the request's X-Request-Id, to find its log lines.
	RequestID string `json:"request_id,omitempty"`
	cause     error
}

// fieldProblem is one entry of error.details: every problem found in an
// input, where "field" names only the first.
type fieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

func (e *apiError) Unwrap() error { return e.cause }

// errorBody is the SPEC's error shape: {"error": {"code", "message", "field"}}.
type errorBody struct {
	Error *apiError `json:"error"`
}

func errNotFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: what + " not found"}
}

// Answers to survey links that cannot be answered, in the customer's words.
// A forged link, an unknown one and one of another customer all get
// errInvalidLink, so a link reveals nothing about any survey but its own.
var (
	errInvalidLink = &apiError{Status: http.StatusNotFound, Code: codeNotFound,
		Message: "This survey link is not valid. Please check that you opened the whole link from your message."}
	errAnswered = &apiError{Status: http.StatusConflict, Code: codeAlreadyAnswered,
		Message: "This survey has already been answered. Thank you!"}
	errClosed = &apiError{Status: http.StatusGone, Code: codeExpired,
		Message: "This survey has closed and no longer takes answers."}
)

func errField(field, format string, args ...any) *apiError {
	fe := validation.Errorf(field, format, args...)
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidField, Message: fe.Error(), Field: field}
}

// toError maps what a handler returned, its own apiError or a use case's
// error, to the answer the client gets: survey link errors in the
// customer's words, the others as package problem maps them.
func toError(err error) *apiError {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	switch {
	case errors.Is(err, usecase.ErrInvalidLink):
		return errInvalidLink
	case errors.Is(err, usecase.ErrAnswered):
		return errAnswered
	case errors.Is(err, usecase.ErrClosed):
		return errClosed
	}
	p := problem.Of(err)
	e := &apiError{Status: p.Status, Code: p.Code, Message: p.Message, Field: p.Field, cause: err}
	for _, fe := range p.Fields {
		e.Details = append(e.Details, fieldProblem{Field: fe.Path, Message: fe.Message})
	}
	return e
}

// writeJSON writes v as the response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// writeError writes e in the SPEC's error shape, with the request id the
// request id middleware has put into the response's header.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ccflow"`)
	}
	answer := *e // the package-level errors are shared between requests
	answer.RequestID = w.Header().Get(requestid.Header)
	writeJSON(w, e.Status, errorBody{Error: &answer})
}

// readJSONBody returns the body of a JSON request: 415 unless the content
// type is JSON, 413 over maxBody.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil ||
		(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedType,
			Message: "the request body must be JSON (Content-Type: application/json)"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("the request body is larger than %d bytes", maxBody)}
	case err != nil:
		return nil, &apiError{Status: http.StatusBadRequest, Code: codeInvalidJSON, Message: "reading the request body: " + err.Error(), cause: err}
	}
	return data, nil
}

// decodeJSON reads a JSON request body into v, strictly (unmarshalStrict):
// unknown fields, names in another case, names given twice, text that is
// not UTF-8 and trailing data are errors, and every error says where.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	return unmarshalStrict(data, v)
}

// unmarshalStrict decodes a JSON document into v as package problem does,
// for the API and the console alike: names are matched exactly, an
// unknown name, a name given twice, text that is not UTF-8 and trailing
// data are errors, and every error names the field or the position.
func unmarshalStrict(data []byte, v any) error {
	if p := problem.DecodeJSON(data, v); p != nil {
		return &apiError{Status: p.Status, Code: p.Code, Message: p.Message, Field: p.Field, cause: p.Err}
	}
	return nil
}
