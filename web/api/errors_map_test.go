package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
)

// toError is the one place the use cases' errors become statuses, codes
// and messages; the integration tests prove each route's answers, this
// proves the mapping itself without servers.
func TestToErrorMapsTheUseCasesErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		message string
		field   string
	}{
		{"not found", fmt.Errorf("workflow %q %w", "a/b", usecase.ErrNotFound),
			http.StatusNotFound, codeNotFound, `workflow "a/b" not found`, ""},
		{"conflict naming a field", fmt.Errorf("%w: %w", usecase.ErrConflict, validation.Errorf("name", "an entry named %q already exists", "X")),
			http.StatusConflict, codeConflict, `name: an entry named "X" already exists`, "name"},
		{"not running", fmt.Errorf("workflow %q is %w (%s)", "a/b", usecase.ErrNotRunning, "Completed"),
			http.StatusConflict, codeWorkflowNotRunning, `workflow "a/b" is not running (Completed)`, ""},
		{"invalid link", usecase.ErrInvalidLink, http.StatusNotFound, codeNotFound, errInvalidLink.Message, ""},
		{"answered", fmt.Errorf("survey %q: %w", "s", usecase.ErrAnswered), http.StatusConflict, codeAlreadyAnswered, errAnswered.Message, ""},
		{"closed", fmt.Errorf("survey %q: %w", "s", usecase.ErrClosed), http.StatusGone, codeExpired, errClosed.Message, ""},
		{"field", validation.Errorf("score", "7 is not a whole number from 1 to 5"),
			http.StatusBadRequest, codeInvalidField, "score: 7 is not a whole number from 1 to 5", "score"},
		{"unavailable with advice", &usecase.UnavailableError{Message: "the run may still take it", Err: context.DeadlineExceeded},
			http.StatusServiceUnavailable, codeUnavailable, "the run may still take it", ""},
		{"unavailable", fmt.Errorf("updating workflow: %w", serviceerror.NewUnavailable("down")),
			http.StatusServiceUnavailable, codeUnavailable, "Temporal or PostgreSQL did not answer; nothing was changed, try again", ""},
		{"Temporal refusing a value as invalid", fmt.Errorf("starting workflow x: %w", serviceerror.NewInvalidArgument("Search attribute CcflowService exceeds size limit")),
			http.StatusBadRequest, codeInvalidInput, "a value of the request was refused as invalid: Search attribute CcflowService exceeds size limit", ""},
		{"PostgreSQL refusing a value as invalid", fmt.Errorf("reading entry: %w", &pq.Error{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`}),
			http.StatusBadRequest, codeInvalidInput, `a value of the request was refused as invalid: invalid byte sequence for encoding "UTF8": 0x00`, ""},
		{"anything else", errors.New("a bug"), http.StatusInternalServerError, codeInternal, "internal error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := toError(tt.err)

			require.Equal(t, tt.status, e.Status)
			require.Equal(t, tt.code, e.Code)
			require.Equal(t, tt.message, e.Message)
			require.Equal(t, tt.field, e.Field)
		})
	}
}

// The survey pages tell the link errors apart by identity.
func TestToErrorAnswersSurveyLinkErrorsWithTheirPages(t *testing.T) {
	require.Same(t, errInvalidLink, toError(usecase.ErrInvalidLink))
	require.Same(t, errAnswered, toError(fmt.Errorf("x: %w", usecase.ErrAnswered)))
	require.Same(t, errClosed, toError(fmt.Errorf("x: %w", usecase.ErrClosed)))
}
