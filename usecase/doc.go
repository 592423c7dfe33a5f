// Package usecase is what ccflow does, whoever asks: ingest an ended
// interaction, keep the entries and the disposition catalog, take a
// customer's survey answer, show a run, cancel it or clear one of its
// events, keep the contact policy and the opt-outs (contact.go), and tell
// whether the servers ccflow needs answer.
//
// One Service holds what the use cases need (the store, the Temporal client,
// the survey-link signer) and has one method per use case, grouped by file:
// ingest.go, entries.go, dispositions.go, surveys.go, runs.go, contact.go,
// health.go.
// One value rather than a service per domain, because the domains share
// those dependencies and a caller wires them once: the JSON API (web/api)
// and the administrator's console each hold a *Service and call the same
// methods. A caller decodes its request, calls one method and presents the
// result; nothing here knows of HTTP.
//
// The methods return plain values (entries, a RunView, …) and errors a
// caller tells apart with errors.Is and errors.As: ErrNotFound, ErrConflict,
// ErrNotRunning, ErrInvalidLink, ErrAnswered, ErrClosed, ErrUnavailable
// (IsUnavailable; UnavailableError when there is more to say), and
// core/validation errors naming the field at fault. web/api maps them to
// statuses in one place. The store's errors pass through unchanged, so
// their text (`entry "x": not found`) is what callers show.
//
// Every call ccflow makes with Temporal's client is in this package:
// temporal.go holds the start options, the memo and the three calls that
// act on a running follow-up (SendSurveyAnswer, SendClearEvent,
// RequestCancel). Those three are exported because the history recorder
// (internal/histories) must send runs exactly what production sends; the
// update, query and signal names and their payloads stay in workflows.
package usecase
