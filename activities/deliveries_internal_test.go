package activities

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/workflows"
)

// A provider call and the write of its outcome both fit inside one send
// attempt, so a message accepted at the call's last moment is still
// recorded as sent before Temporal gives up on the attempt and retries it.
func TestAProviderCallAndItsRecordFitInOneSendAttempt(t *testing.T) {
	require.Less(t, providerTimeout+recordTimeout, workflows.SendTimeout)
}
