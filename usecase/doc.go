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
// A long-lived starter calls StartBackground once before serving: it keeps
// the entries in memory (EntryIndex, current within a second on every
// starter through PostgreSQL's LISTEN/NOTIFY and a generation check), writes
// the run IDs of started runs in batches, and settles the run claims nobody
// confirmed (background.go). A Service without it works the same, paying a
// statement or two more per event; tools and tests use it so.
//
// Every call ccflow makes with Temporal's client is in this package:
// temporal.go holds the start options, the memo and the three calls that
// act on a running follow-up (SendSurveyAnswer, SendClearEvent,
// RequestCancel). Those three are exported because the history recorder
// (internal/histories) must send runs exactly what production sends; the
// update, query and signal names and their payloads stay in workflows.
package usecase
