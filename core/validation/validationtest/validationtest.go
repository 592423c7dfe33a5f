// Package validationtest checks, in tests, the field errors that input
// paths report, so every package asserts them the same way.
package validationtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
)

// RequireOne fails t unless err holds exactly one field error, at path,
// whose message contains message.
func RequireOne(t testing.TB, err error, path, message string) {
	t.Helper()
	var errs validation.Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1, err.Error())
	require.Equal(t, path, errs[0].Path)
	require.Contains(t, errs[0].Message, message)
}
