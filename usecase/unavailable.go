package usecase

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"

	"github.com/lib/pq"
	"go.temporal.io/api/serviceerror"
)

// ErrUnavailable wraps failures to reach PostgreSQL or Temporal in time.
// Nothing is half-done when it is returned: the caller retries the event.
var ErrUnavailable = errors.New("a service ccflow depends on is unavailable")

// UnavailableError is ErrUnavailable with a message meant for the caller,
// when there is more to tell than "try again" (e.g. that a run may still
// take an update that timed out).
type UnavailableError struct {
	Message string
	Err     error
}

func (e *UnavailableError) Error() string { return e.Message + ": " + e.Err.Error() }

// Unwrap makes the error both ErrUnavailable and its cause.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// classify wraps err in ErrUnavailable when it says a dependency could not
// be reached or did not answer in time, and in ErrInvalidInput when it
// refused a value as invalid; other errors are bugs or refusals a retry
// will not fix, and pass through unchanged.
func classify(err error) error {
	switch {
	case err == nil, errors.Is(err, ErrUnavailable), errors.Is(err, ErrInvalidInput):
		return err
	case IsUnavailable(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	case IsInvalidInput(err):
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return err
}

// ErrInvalidInput wraps Temporal's and PostgreSQL's refusals of a value as
// invalid (an argument Temporal finds invalid, text PostgreSQL cannot
// store): the caller's input, which validation should have refused first,
// never a failure of ccflow's. Nothing was changed.
var ErrInvalidInput = errors.New("refused as invalid")

// IsInvalidInput reports whether err is Temporal or PostgreSQL refusing a
// value of the request: Temporal's InvalidArgument, PostgreSQL's data
// exceptions (class 22: a NUL byte or bytes that are not UTF-8, a value too
// long for its column, a number out of range).
func IsInvalidInput(err error) bool {
	var (
		invalid *serviceerror.InvalidArgument
		pqErr   *pq.Error
	)
	switch {
	case errors.Is(err, ErrInvalidInput), errors.As(err, &invalid):
		return true
	case errors.As(err, &pqErr):
		return pqErr.Code.Class() == "22"
	}
	return false
}

// InvalidInputReason is what Temporal or PostgreSQL said when it refused a
// value (IsInvalidInput), without ccflow's wrapping.
func InvalidInputReason(err error) string {
	var (
		invalid *serviceerror.InvalidArgument
		pqErr   *pq.Error
	)
	switch {
	case errors.As(err, &invalid):
		return invalid.Error()
	case errors.As(err, &pqErr):
		return pqErr.Message
	}
	return err.Error()
}

// IsUnavailable reports whether err means PostgreSQL or Temporal could not
// be reached or did not answer in time, so that trying again later may
// succeed.
func IsUnavailable(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		deadline    *serviceerror.DeadlineExceeded
		exhausted   *serviceerror.ResourceExhausted
		netErr      net.Error
		pqErr       *pq.Error
	)
	switch {
	case errors.Is(err, ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn),
		errors.As(err, &unavailable),
		errors.As(err, &deadline),
		errors.As(err, &exhausted),
		errors.As(err, &netErr):
		return true
	case errors.As(err, &pqErr):
		// Class 08 is "connection exception", 57P0x the server shutting
		// down or starting, 53300 "too many connections".
		return pqErr.Code.Class() == "08" || pqErr.Code == "57P01" || pqErr.Code == "57P02" ||
			pqErr.Code == "57P03" || pqErr.Code == "53300"
	}
	return false
}
