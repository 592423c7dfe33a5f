package problem

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/ccflow/ccflow/core/validation"
)

// DecodeJSON decodes a JSON document into v strictly, as the API reads
// request bodies: names are matched exactly (encoding/json would take
// "Service" for "service"), an unknown name, a name given twice, text that
// is not UTF-8 and an unpaired surrogate are errors, and every error names
// the field or the position. It returns nil when data decodes, else the
// problem to tell.
func DecodeJSON(data []byte, v any) *Problem {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidJSON, Message: "the request body is empty"}
	}
	return jsonError(data, jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)))
}

// jsonError turns a decoding error into a 400 that names the field or the
// position of the problem.
func jsonError(data []byte, err error) *Problem {
	var (
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		if fe := validation.StrictJSON(data); fe != nil {
			return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidField, Field: fe.Path, Message: fe.Error(), Err: err}
		}
		return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidJSON, Message: syntaxMessage(data, syntax), Err: err}
	case errors.As(err, &semantic):
		return semanticError(semantic)
	}
	return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidJSON, Message: "invalid JSON: " + err.Error(), Err: err}
}

// syntaxMessage says where JSON that does not parse goes wrong.
func syntaxMessage(data []byte, err *jsontext.SyntacticError) string {
	what := "syntax error"
	if err.Err != nil {
		what = err.Err.Error()
	}
	switch {
	case errors.Is(err.Err, io.ErrUnexpectedEOF):
		return "invalid JSON " + position(data, int64(len(data))) + ": unexpected end of input"
	case strings.Contains(what, "after top-level value"):
		return "invalid JSON " + position(data, err.ByteOffset) + ": unexpected data after the top-level value"
	}
	return "invalid JSON " + position(data, err.ByteOffset) + ": " + what
}

// semanticError is the 400 of JSON that parses but does not fit the
// request's shape.
func semanticError(err *jsonv2.SemanticError) *Problem {
	field := validation.JSONPath(err.JSONPointer)
	got := jsonKind(err.JSONKind)
	switch {
	case errors.Is(err.Err, jsonv2.ErrUnknownName):
		return &Problem{Status: http.StatusBadRequest, Code: CodeUnknownField, Field: field,
			Message: field + ": unknown field", Err: err}
	case field == "":
		return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidJSON,
			Message: "the request body must be a JSON object, not " + got, Err: err}
	case err.GoType == reflect.TypeFor[time.Time]():
		return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidField, Field: field,
			Message: field + ": expected an RFC 3339 time such as 2026-11-23T10:15:00Z, got " + got, Err: err}
	}
	expected := "a value of another type"
	if err.GoType != nil {
		expected = typeName(err.GoType.Kind().String())
	}
	return &Problem{Status: http.StatusBadRequest, Code: CodeInvalidField, Field: field,
		Message: fmt.Sprintf("%s: expected %s, got %s", field, expected, got), Err: err}
}

// jsonKind names the kind of a JSON value as encoding/json's errors did.
func jsonKind(k jsontext.Kind) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "a value"
}

// typeName says a Go kind the way a JSON client thinks of it.
func typeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "map", kind == "struct", kind == "ptr":
		return "an object"
	}
	return kind
}

// position says where the byte at offset is in data, as "at line L,
// column C", both counted from 1.
func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d", line, col)
}
