package validation_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
)

func TestFieldErrorNamesItsPath(t *testing.T) {
	require.EqualError(t, validation.Errorf("steps[2].duration", "%q is not a duration", "3 dayz"),
		`steps[2].duration: "3 dayz" is not a duration`)
}

func TestFieldErrorWithoutPath(t *testing.T) {
	require.EqualError(t, validation.Errorf("", "not valid JSON"), "not valid JSON")
}

func TestErrorsJoinsEveryProblem(t *testing.T) {
	errs := validation.Errors{validation.Errorf("name", "is required"), validation.Errorf("steps", "at least one step is required")}
	require.EqualError(t, errs, "name: is required; steps: at least one step is required")
}

func TestErrIsNilWhenEmpty(t *testing.T) {
	var errs validation.Errors
	require.NoError(t, errs.Err())

	errs = append(errs, validation.Errorf("id", "is required"))
	require.Error(t, errs.Err())
}

func TestFirst(t *testing.T) {
	first := validation.Errorf("a", "x")
	tests := []struct {
		name string
		err  error
		want *validation.FieldError
	}{
		{"from Errors", validation.Errors{first, validation.Errorf("b", "y")}, first},
		{"from a single FieldError", first, first},
		{"through wrapping", fmt.Errorf("saving entry: %w", validation.Errors{first}), first},
		{"from empty Errors", validation.Errors{}, nil},
		{"from another error", errors.New("boom"), nil},
		{"from nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, validation.First(tt.err))
		})
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		parent, child, want string
	}{
		{"steps[1]", "then[0]", "steps[1].then[0]"},
		{"steps", "[2]", "steps[2]"},
		{"", "name", "name"},
		{"customer", "", "customer"},
		{"customer", "email", "customer.email"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, validation.Join(tt.parent, tt.child))
		})
	}
}
