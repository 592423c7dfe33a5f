package activities

import (
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/workflows"
)

// invalidInput is the error of an activity asked for something that can
// never work: Temporal does not retry it.
func invalidInput(message string) error {
	return temporal.NewNonRetryableApplicationError(message, workflows.ErrTypeInvalidInput, nil)
}
