package usecase_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/usecase"
)

func TestIsInvalidInput(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		want   bool
		reason string
	}{
		{"temporal refusal", fmt.Errorf("starting workflow: %w", serviceerror.NewInvalidArgument("summary too long")), true, "summary too long"},
		{"postgres NUL byte", &pq.Error{Code: "22021", Message: "invalid byte sequence"}, true, "invalid byte sequence"},
		{"postgres value too long", &pq.Error{Code: "22001", Message: "value too long"}, true, "value too long"},
		{"already wrapped", usecase.ErrInvalidInput, true, "refused as invalid"},
		{"postgres constraint", &pq.Error{Code: "23505"}, false, ""},
		{"temporal unavailable", serviceerror.NewUnavailable("down"), false, ""},
		{"anything else", errors.New("bug"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, usecase.IsInvalidInput(tt.err))
			if tt.want {
				require.Equal(t, tt.reason, usecase.InvalidInputReason(tt.err))
			}
		})
	}
}
