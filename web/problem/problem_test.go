package problem_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/problem"
)

// web/api's errors_map_test proves the mapping as the API answers it; this
// proves what the console relies on beyond it.
func TestOf(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    problem.Problem
		nFields int
	}{
		{"stale", &usecase.StaleError{ID: "x", Read: 3, Current: 4},
			problem.Problem{Status: http.StatusPreconditionFailed, Code: problem.CodeVersionChanged,
				Message: `entry "x" changed since version 3 was read: it is at version 4 now`}, 0},
		{"one field", validation.Errors{validation.Errorf("name", "is required")},
			problem.Problem{Status: http.StatusBadRequest, Code: problem.CodeInvalidField, Message: "name: is required", Field: "name"}, 0},
		{"several fields", fmt.Errorf("checking: %w", validation.Errors{validation.Errorf("name", "is required"), validation.Errorf("steps", "at least one step is required")}),
			problem.Problem{Status: http.StatusBadRequest, Code: problem.CodeInvalidField, Message: "name: is required", Field: "name"}, 2},
		{"the whole document", validation.Errors{validation.Errorf("", "not valid JSON")},
			problem.Problem{Status: http.StatusBadRequest, Code: problem.CodeInvalidJSON, Message: "not valid JSON"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problem.Of(tt.err)

			require.Len(t, got.Fields, tt.nFields)
			got.Fields = nil
			require.Equal(t, tt.want, got)
		})
	}
}
