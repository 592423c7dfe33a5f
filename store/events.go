package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Scopes of an event post: whom an event is posted for.
const (
	// EventScopeWorkflow: one run, by its workflow ID.
	EventScopeWorkflow = "workflow"
	// EventScopeInteraction: every run of an interaction.
	EventScopeInteraction = "interaction"
	// EventScopeCase: every run of the interactions of a case.
	EventScopeCase = "case"
)

// eventTargets is the runs column each scope finds its runs by.
var eventTargets = map[string]string{
	EventScopeWorkflow:    "workflow_id",
	EventScopeInteraction: "interaction_id",
	EventScopeCase:        "case_id",
}

// EventPost is one post of an event (POST …/events/{name}).
type EventPost struct {
	ID string `db:"id"`
	// IdempotencyKey is the post's Idempotency-Key header, nil without.
	IdempotencyKey *string `db:"idempotency_key"`
	Scope          string  `db:"scope"`
	Target         string  `db:"target"`
	Name           string  `db:"name"`
	// Digest is a hash of the name and the data, which tells a post
	// repeated under its key from another event under the same key.
	Digest   string    `db:"digest"`
	PostedAt time.Time `db:"posted_at"`
}

// RunEvent is a posted event as one run keeps it.
type RunEvent struct {
	PostID     string `db:"post_id"`
	WorkflowID string `db:"workflow_id"`
	// RunID is the run's, from its record: "" while its start is not
	// confirmed (a claim).
	RunID      string     `db:"run_id"`
	Name       string     `db:"name"`
	Data       []byte     `db:"data"`
	PostedAt   time.Time  `db:"posted_at"`
	SignaledAt *time.Time `db:"signaled_at"`
}

const runEventColumns = `e.post_id, e.workflow_id, r.run_id, e.name, e.data, e.posted_at, e.signaled_at`

// PostEvent records post and, for each run it is for, the event with its
// data (a JSON object), in one transaction, and returns the post and its
// runs' events, ordered by workflow ID. The runs come from ccflow's own
// records: the run of the workflow ID, or every run of the interaction or
// of the case, claims whose start is not confirmed included.
//
// A post whose IdempotencyKey was used before records nothing: it returns
// the earlier post and the events still kept for it, and repeated true;
// ErrConflict when the earlier post was another event or for another
// target. A post for a workflow ID no run has is ErrNotFound, and records
// nothing.
func (s *Store) PostEvent(ctx context.Context, post EventPost, data []byte) (EventPost, []RunEvent, bool, error) {
	column, ok := eventTargets[post.Scope]
	if !ok {
		return EventPost{}, nil, false, fmt.Errorf("posting event %q: %q is not a scope", post.Name, post.Scope)
	}
	var (
		got      EventPost
		events   []RunEvent
		repeated bool
	)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		events, repeated = nil, false
		// A concurrent post under the same key makes this insert wait for
		// it, then do nothing: the earlier post is read below.
		err := tx.GetContext(ctx, &got, `
			INSERT INTO event_posts (id, idempotency_key, scope, target, name, digest)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (idempotency_key) DO NOTHING
			RETURNING id, idempotency_key, scope, target, name, digest, posted_at`,
			post.ID, post.IdempotencyKey, post.Scope, post.Target, post.Name, post.Digest)
		if errors.Is(err, sql.ErrNoRows) {
			repeated = true
			return earlierPost(ctx, tx, post, &got, &events)
		}
		if err != nil {
			return fmt.Errorf("recording a post of event %q for %s %s: %w", post.Name, post.Scope, post.Target, err)
		}
		if err := tx.SelectContext(ctx, &events, `
			WITH kept AS (
				INSERT INTO run_events (post_id, workflow_id, name, data, posted_at)
				SELECT $1, workflow_id, $2, $3, $4 FROM runs WHERE `+column+` = $5 AND $5 <> ''
				RETURNING *)
			SELECT `+runEventColumns+` FROM kept e JOIN runs r USING (workflow_id) ORDER BY e.workflow_id`,
			got.ID, got.Name, data, got.PostedAt, got.Target); err != nil {
			return fmt.Errorf("keeping event %q for the runs of %s %s: %w", post.Name, post.Scope, post.Target, err)
		}
		if post.Scope == EventScopeWorkflow && len(events) == 0 {
			return fmt.Errorf("workflow %q: %w", post.Target, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return EventPost{}, nil, false, err
	}
	return got, events, repeated, nil
}

// earlierPost reads the post made under post's idempotency key and the
// events still kept for it, refusing a key reused for another event.
func earlierPost(ctx context.Context, tx *sqlx.Tx, post EventPost, got *EventPost, events *[]RunEvent) error {
	if err := tx.GetContext(ctx, got, `
		SELECT id, idempotency_key, scope, target, name, digest, posted_at FROM event_posts WHERE idempotency_key = $1`,
		post.IdempotencyKey); err != nil {
		return fmt.Errorf("reading the earlier post of idempotency key %q: %w", *post.IdempotencyKey, err)
	}
	if got.Scope != post.Scope || got.Target != post.Target || got.Name != post.Name || got.Digest != post.Digest {
		return fmt.Errorf("the Idempotency-Key %q was used for another event (%s for %s %s, posted %s): %w",
			*post.IdempotencyKey, got.Name, got.Scope, got.Target, got.PostedAt.UTC().Format(time.RFC3339), ErrConflict)
	}
	if err := tx.SelectContext(ctx, events, `
		SELECT `+runEventColumns+` FROM run_events e JOIN runs r USING (workflow_id)
		WHERE e.post_id = $1 ORDER BY e.workflow_id`, got.ID); err != nil {
		return fmt.Errorf("reading the runs that took post %s: %w", got.ID, err)
	}
	return nil
}

// MarkEventSignaled records that Temporal took the signal of the event of
// post postID for the run of workflowID, so a repeated post does not
// signal it again.
func (s *Store) MarkEventSignaled(ctx context.Context, postID, workflowID string) error {
	if _, err := s.db.ExecContext(ctx, `
		UPDATE run_events SET signaled_at = now() WHERE post_id = $1 AND workflow_id = $2 AND signaled_at IS NULL`,
		postID, workflowID); err != nil {
		return fmt.Errorf("marking the event of post %s signalled to %s: %w", postID, workflowID, err)
	}
	return nil
}

// DropRunEvent forgets the event of post postID for the run of
// workflowID: the run had ended, and did not take it.
func (s *Store) DropRunEvent(ctx context.Context, postID, workflowID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM run_events WHERE post_id = $1 AND workflow_id = $2`, postID, workflowID); err != nil {
		return fmt.Errorf("dropping the event of post %s for %s: %w", postID, workflowID, err)
	}
	return nil
}

// KeptEvent returns the latest event called name kept for the run of
// workflowID, and false when there is none.
func (s *Store) KeptEvent(ctx context.Context, workflowID, name string) (RunEvent, bool, error) {
	var ev RunEvent
	err := s.db.GetContext(ctx, &ev, `
		SELECT `+runEventColumns+` FROM run_events e JOIN runs r USING (workflow_id)
		WHERE e.workflow_id = $1 AND e.name = $2 ORDER BY e.posted_at DESC, e.post_id DESC LIMIT 1`, workflowID, name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return RunEvent{}, false, nil
	case err != nil:
		return RunEvent{}, false, fmt.Errorf("looking for event %q kept for %s: %w", name, workflowID, err)
	}
	return ev, true, nil
}
