package validation

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// StrictJSON reports what makes data ambiguous or not text although it
// parses as JSON for a lenient reader: a name given twice in one object
// (which of the two counts?), text that is not UTF-8, an escaped UTF-16
// surrogate with no pair (\ud800). encoding/json takes the last of two
// names and writes U+FFFD for the rest, silently. Other syntax errors are
// left to the caller's decoder, which words them its own way; StrictJSON
// returns nil for them.
func StrictJSON(data []byte) *FieldError {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.ReadToken()
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		var syn *jsontext.SyntacticError
		if !errors.As(err, &syn) {
			return nil
		}
		path := JSONPath(syn.JSONPointer)
		msg := ""
		if syn.Err != nil {
			msg = syn.Err.Error()
		}
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return Errorf(path, "is given twice")
		case strings.Contains(msg, "invalid UTF-8"):
			return Errorf(path, "is not valid UTF-8 text")
		case strings.Contains(msg, "surrogate"):
			return Errorf(path, "holds an unpaired UTF-16 surrogate (such as \\ud800), which is no character")
		}
		return nil
	}
}

// JSONPath turns a JSON pointer (RFC 6901) into the path FieldError uses:
// "/steps/1/then/0/duration" is "steps[1].then[0].duration".
func JSONPath(pointer jsontext.Pointer) string {
	var path string
	for token := range pointer.Tokens() {
		if n, err := strconv.Atoi(token); err == nil && n >= 0 {
			path += "[" + token + "]"
			continue
		}
		path = Join(path, token)
	}
	return path
}
