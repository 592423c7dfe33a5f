-- +goose Up
-- Issue 18: events posted to runs (wait_for_event), found by the run's
-- interaction or case. Independent of the migrations numbered near it: it
-- adds one column to runs and two tables of its own.

-- The case an interaction belongs to, from the event that started the run,
-- so POST /v1/cases/{id}/events/{name} finds every follow-up of the case
-- in ccflow's own records.
ALTER TABLE runs ADD COLUMN case_id text NOT NULL DEFAULT '';
CREATE INDEX runs_case ON runs (case_id) WHERE case_id <> '';
CREATE INDEX runs_interaction ON runs (interaction_id);

-- One row per post of an event (POST …/events/{name}): whom it was for
-- (scope 'workflow', 'interaction' or 'case', and that id), and the
-- Idempotency-Key it came with, under which a repeated post delivers
-- nothing new and answers the same. digest is the SHA-256 of the name and
-- the data, so a key reused for another event is refused.
CREATE TABLE event_posts (
    id              text PRIMARY KEY,
    idempotency_key text UNIQUE,
    scope           text NOT NULL CHECK (scope IN ('workflow', 'interaction', 'case')),
    target          text NOT NULL,
    name            text NOT NULL,
    digest          text NOT NULL,
    posted_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX event_posts_posted ON event_posts (posted_at);

-- The event as each run it is for keeps it: a run that reaches its
-- wait_for_event later finds it here when no signal brought it (its start
-- was not confirmed when the event came). signaled_at is when Temporal
-- took the signal; a row without it is signalled again by a repeated post.
CREATE TABLE run_events (
    post_id     text NOT NULL REFERENCES event_posts (id) ON DELETE CASCADE,
    workflow_id text NOT NULL,
    name        text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}',
    posted_at   timestamptz NOT NULL,
    signaled_at timestamptz,
    PRIMARY KEY (post_id, workflow_id)
);
CREATE INDEX run_events_run ON run_events (workflow_id, name, posted_at);

-- +goose Down
DROP TABLE run_events;
DROP TABLE event_posts;
DROP INDEX runs_interaction;
DROP INDEX runs_case;
ALTER TABLE runs DROP COLUMN case_id;
