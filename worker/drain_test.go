package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/workflows"
)

// A deploy lets every send in flight finish: the worker waits longer for
// its activities than one send attempt may take.
func TestTheWorkerDrainsLongerThanASendMayTake(t *testing.T) {
	require.Greater(t, drainTimeout, workflows.SendTimeout)
}
