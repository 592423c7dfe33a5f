package activities

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers"
)

func TestWithoutRecipientLeavesEverySpellingOfTheAddressOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		to, msg, want string
	}{
		{"Ada@Example.com", "550 <ada@example.com>: no such user (ADA@EXAMPLE.COM)", "550 <<recipient>>: no such user (<recipient>)"},
		{"+1 555 123 4567", "The 'To' number +15551234567 is not valid; 15551234567 unreachable; +1 555 123 4567",
			"The 'To' number <recipient> is not valid; <recipient> unreachable; <recipient>"},
		{"ada@example.com", "GET /x?to=ada%40example.com failed", "GET /x?to=<recipient> failed"},
		{"ada@example.com", "connection refused", "connection refused"},
	}
	for _, tt := range tests {
		err := withoutRecipient(fmt.Errorf("%w: %s", providers.ErrRejected, tt.msg), tt.to)
		require.Contains(t, err.Error(), tt.want)
		require.ErrorIs(t, err, providers.ErrRejected, "what the error is stays known")
		if tt.want != tt.msg {
			require.Nil(t, errors.Unwrap(err), "nothing to unwrap: the failure converter would write the original into the history")
		}
	}
	require.NoError(t, withoutRecipient(nil, "ada@example.com"))
}
