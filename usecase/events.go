package usecase

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// Whom an event is posted for (EventTarget.Scope).
const (
	EventForWorkflow    = store.EventScopeWorkflow
	EventForInteraction = store.EventScopeInteraction
	EventForCase        = store.EventScopeCase
)

// EventTarget is whom an event is posted for: one run (its workflow ID),
// or every run of an interaction or of a case.
type EventTarget struct {
	Scope string
	ID    string
}

// EventRequest is one post of an event.
type EventRequest struct {
	// Name is the event's, the {name} of the path.
	Name string
	// Data are the event's fields, each set as <name>.<field> by the
	// wait_for_event step that takes it; nil has none.
	Data map[string]any
	// IdempotencyKey is the post's Idempotency-Key header, "" without.
	IdempotencyKey string
}

// Bounds of a post.
const (
	maxIdempotencyKey = 255
	maxEventFieldName = 64
)

// EventPosted is the answer to a post: the event and the runs that took
// it. A post repeated under its Idempotency-Key answers the same.
type EventPosted struct {
	// ID names the post.
	ID       string    `json:"id"`
	Event    string    `json:"event"`
	PostedAt time.Time `json:"posted_at"`
	// Runs are the runs that took the event: Temporal took its signal, or
	// (RunID empty) ccflow keeps it for a run whose start is not confirmed
	// yet, which finds it when it reaches its wait_for_event.
	Runs []EventRun `json:"runs"`
	// Repeated is true when the post repeated an earlier one under its
	// Idempotency-Key and delivered nothing new (the API says so in the
	// Idempotent-Replayed header, not in the body).
	Repeated bool `json:"-"`
}

// EventRun is a run that took a posted event.
type EventRun struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id,omitempty"`
}

// PostEvent delivers the event req.Name, with its data, to the run of a
// workflow ID, or to every run of an interaction or a case, as ccflow's own
// records (the runs table) list them, claims whose start is not confirmed
// included.
//
// The event is kept in PostgreSQL for each run first, then signalled to it
// (workflows.EventPostedSignal): a run waiting for it takes it at once, and
// one that reaches its wait_for_event later sees it then, from its state or
// (a run that could not be signalled yet) from the store. A run that has
// ended does not take it. The answer names the runs that did.
//
// With an Idempotency-Key, a post repeated (after a lost answer, a 503)
// delivers nothing twice: it signals only the runs Temporal did not take
// the event for yet, and answers as the first did. The same key for
// another event, or another target, is a conflict. A post for an unknown
// workflow is ErrNotFound, one for a run that has ended ErrNotRunning; an
// interaction or a case without running follow-ups answers with no runs.
// Temporal not taking a signal is an UnavailableError: post again with the
// same key.
func (s *Service) PostEvent(ctx context.Context, target EventTarget, req EventRequest) (EventPosted, error) {
	data, err := checkEventPost(target, req)
	if err != nil {
		return EventPosted{}, err
	}
	id, err := newPostID()
	if err != nil {
		return EventPosted{}, err
	}
	post := store.EventPost{ID: id, Scope: target.Scope, Target: target.ID, Name: req.Name, Digest: eventDigest(req.Name, data)}
	if req.IdempotencyKey != "" {
		post.IdempotencyKey = &req.IdempotencyKey
	}
	got, events, repeated, err := s.Store.PostEvent(ctx, post, data)
	switch {
	case errors.Is(err, store.ErrConflict):
		// 409, naming the header.
		return EventPosted{}, fmt.Errorf("%w (%w)", &validation.FieldError{Path: "Idempotency-Key", Message: conflictWords(err)}, ErrConflict)
	case err != nil:
		return EventPosted{}, classify(err)
	}
	answer := EventPosted{ID: got.ID, Event: got.Name, PostedAt: got.PostedAt, Runs: []EventRun{}, Repeated: repeated}
	signal := workflows.PostedEvent{ID: got.ID, Name: got.Name, At: got.PostedAt, Data: req.Data}
	var unanswered []string
	var errs []error
	for _, ev := range events {
		if ev.SignaledAt != nil {
			answer.Runs = append(answer.Runs, EventRun{WorkflowID: ev.WorkflowID, RunID: ev.RunID})
			continue
		}
		if repeated && len(ev.Data) > 0 {
			// The first post's data, which the key stands for.
			if err := json.Unmarshal(ev.Data, &signal.Data); err != nil {
				return EventPosted{}, fmt.Errorf("reading the data kept for post %s: %w", got.ID, err)
			}
		}
		err := s.Temporal.SignalWorkflow(ctx, ev.WorkflowID, ev.RunID, workflows.EventPostedSignal, signal)
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			if err := s.Store.MarkEventSignaled(ctx, got.ID, ev.WorkflowID); err != nil {
				// The run has it; a repeat would signal it again, which
				// the run takes once (by the post's id).
				s.logger().WarnContext(ctx, "recording a signalled event", slog.String("workflow_id", ev.WorkflowID), slog.Any("error", err))
			}
			answer.Runs = append(answer.Runs, EventRun{WorkflowID: ev.WorkflowID, RunID: ev.RunID})
		case errors.As(err, &notFound) && ev.RunID == "":
			// Claimed, not started yet (or never): kept for the run, which
			// finds it in the store when it reaches its wait.
			answer.Runs = append(answer.Runs, EventRun{WorkflowID: ev.WorkflowID})
		case errors.As(err, &notFound) && s.runTook(ctx, ev.WorkflowID, ev.RunID, got.ID):
			// The run's wait began while this post was on its way: it read
			// the event from the store, went on at once and has ended.
			if err := s.Store.MarkEventSignaled(ctx, got.ID, ev.WorkflowID); err != nil {
				return EventPosted{}, classify(err)
			}
			answer.Runs = append(answer.Runs, EventRun{WorkflowID: ev.WorkflowID, RunID: ev.RunID})
		case errors.As(err, &notFound):
			// The run has ended without it.
			if err := s.Store.DropRunEvent(ctx, got.ID, ev.WorkflowID); err != nil {
				return EventPosted{}, classify(err)
			}
		default:
			unanswered = append(unanswered, ev.WorkflowID)
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return EventPosted{}, &UnavailableError{
			Message: fmt.Sprintf("Temporal did not take event %s for %s; post it again with the same Idempotency-Key to deliver it to them (runs that took it will not take it twice)",
				got.Name, strings.Join(unanswered, ", ")),
			Err: classify(errors.Join(errs...)),
		}
	}
	if target.Scope == EventForWorkflow && len(answer.Runs) == 0 {
		return EventPosted{}, notRunning(target.ID, "it has ended")
	}
	s.logger().InfoContext(ctx, "event posted", slog.String("event", got.Name), slog.String("scope", target.Scope),
		slog.Int("runs", len(answer.Runs)), slog.Bool("repeated", repeated))
	return answer, nil
}

// runTookTimeout bounds reading an ended run's result.
const runTookTimeout = 3 * time.Second

// runTook reports whether the run of workflowID and runID, which has
// ended, took the event of post postID: its result (the State of a run
// that completed) lists the events it took. A run that failed, was
// canceled or terminated, or that Temporal no longer holds, did not, as
// far as anyone can tell.
func (s *Service) runTook(ctx context.Context, workflowID, runID, postID string) bool {
	ctx, cancel := context.WithTimeout(ctx, runTookTimeout)
	defer cancel()
	var st workflows.State
	if err := s.Temporal.GetWorkflow(ctx, workflowID, runID).Get(ctx, &st); err != nil {
		return false
	}
	return slices.ContainsFunc(st.PostedEvents, func(p workflows.PostedEventRecord) bool { return p.ID == postID })
}

// checkEventPost checks a post's target, name, key and data, naming the
// field at fault, and returns the data as it is kept: a JSON object.
func checkEventPost(target EventTarget, req EventRequest) ([]byte, error) {
	switch target.Scope {
	case EventForWorkflow:
		if err := checkWorkflowID(target.ID); err != nil {
			return nil, err
		}
	case EventForInteraction:
		if fe := interaction.CheckInteractionID(target.ID); fe != nil {
			return nil, fe
		}
	case EventForCase:
		if fe := interaction.CheckCaseID("case_id", target.ID); fe != nil {
			return nil, fe
		}
	default:
		return nil, fmt.Errorf("posting event %q: %q is not a scope", req.Name, target.Scope)
	}
	if !entry.ValidPostedEventName(req.Name) {
		return nil, validation.Errorf("name", "%s is not an event name: 1 to %d letters, digits or '_', starting with a letter, as wait_for_event steps name them",
			validation.Quote(req.Name), entry.MaxPostedEventLen)
	}
	if k := req.IdempotencyKey; k != "" {
		if len(k) > maxIdempotencyKey || strings.ContainsFunc(k, func(r rune) bool { return r < ' ' || r > '~' }) {
			return nil, validation.Errorf("Idempotency-Key", "must be 1 to %d printable ASCII characters", maxIdempotencyKey)
		}
	}
	for _, field := range slices.Sorted(maps.Keys(req.Data)) {
		path := validation.Join("data", validation.Shorten(field))
		if len(field) > maxEventFieldName || strings.Contains(field, ".") || !templates.ValidName(field) {
			return nil, validation.Errorf(path, "%s is not a field name: 1 to %d letters, digits or '_', starting with a letter, "+
				"so the step can set it as <name>.<field>", validation.Quote(field), maxEventFieldName)
		}
		if err := checkEventValue(path, req.Data[field]); err != nil {
			return nil, err
		}
	}
	data := []byte("{}")
	if len(req.Data) > 0 {
		var err error
		if data, err = json.Marshal(req.Data); err != nil {
			return nil, validation.Errorf("data", "cannot be kept as JSON: %v", err)
		}
	}
	if len(data) > workflows.MaxEventData {
		return nil, validation.Errorf("data", "is %d bytes as JSON; an event's data is at most %d (64 KiB)", len(data), workflows.MaxEventData)
	}
	return data, nil
}

// checkEventValue refuses text PostgreSQL cannot keep in JSON (a NUL), or
// that is not UTF-8, anywhere in a value.
func checkEventValue(path string, v any) error {
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) || strings.ContainsRune(x, 0) {
			return validation.Errorf(path, "holds a NUL or text that is not UTF-8")
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := checkEventValue(path, k); err != nil {
				return err
			}
			if err := checkEventValue(validation.Join(path, validation.Shorten(k)), x[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := checkEventValue(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventDigest is the SHA-256 of an event's name and data (JSON, keys in
// order), which tells a repeated post from another under the same key.
func eventDigest(name string, data []byte) string {
	sum := sha256.Sum256(append([]byte(name+"\x00"), data...))
	return hex.EncodeToString(sum[:])
}

// newPostID is a random id for a post.
func newPostID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a post id: %w", err)
	}
	return "ev_" + hex.EncodeToString(b), nil
}

// conflictWords is the store's conflict without the sentinel's words.
func conflictWords(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+store.ErrConflict.Error())
}
