package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

// ErrRejected marks a provider's permanent refusal of a message (an invalid
// or unsubscribed recipient, bad credentials, an SMTP 5xx reply): sending
// the same message again cannot succeed. Mailers and SMS senders wrap it;
// any other error they return is taken as transient.
var ErrRejected = errors.New("refused by the provider")

// Temporal application error types of the activities' non-retryable errors.
const (
	// ErrTypeSendRejected: the provider refused the message for good.
	ErrTypeSendRejected = "ccflow.SendRejected"
	// ErrTypeInvalidInput: the workflow asked for something that can never
	// work, such as a send without an idempotency key.
	ErrTypeInvalidInput = "ccflow.InvalidInput"
)

func invalidInput(message string) error {
	return temporal.NewNonRetryableApplicationError(message, ErrTypeInvalidInput, nil)
}
