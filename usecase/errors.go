package usecase

import (
	"errors"

	"github.com/ccflow/ccflow/store"
)

// Errors the use cases return, wrapped with what failed; callers test them
// with errors.Is. Field errors are core/validation errors, and a dependency
// that did not answer is ErrUnavailable.
var (
	// ErrNotFound: what the caller names does not exist (an entry, an
	// entry version, a run). It is the store's own, so the store's errors
	// need no translation.
	ErrNotFound = store.ErrNotFound
	// ErrConflict: a write clashes with what is stored, e.g. a second entry
	// of the same name; a validation error inside names the field.
	ErrConflict = store.ErrConflict
	// ErrNotRunning: the run exists but has ended, so it cannot be
	// cancelled or have an event cleared. The error's text says
	// `workflow "<id>" is not running (<status>)`.
	ErrNotRunning = errors.New("not running")

	// ErrInvalidLink: a survey link that is forged, mangled or unknown.
	// All three are one error, so a link reveals nothing about any survey
	// but its own; the log tells them apart.
	ErrInvalidLink = errors.New("survey link not valid")
	// ErrAnswered: the survey has an answer already.
	ErrAnswered = errors.New("survey already answered")
	// ErrClosed: the survey's link has expired.
	ErrClosed = errors.New("survey closed")
)
