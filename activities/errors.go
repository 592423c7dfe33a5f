package activities

import (
	"errors"

	"github.com/ccflow/ccflow/workflows"
	"go.temporal.io/sdk/temporal"
)

// ErrRejected marks a provider's permanent refusal of a message (an invalid
// or unsubscribed recipient, bad credentials, an SMTP 5xx reply): sending
// the same message again cannot succeed. Mailers and SMS senders wrap it;
// any other error they return is taken as transient.
var ErrRejected = errors.New("refused by the provider")

func invalidInput(message string) error {
	return temporal.NewNonRetryableApplicationError(message, workflows.ErrTypeInvalidInput, nil)
}
