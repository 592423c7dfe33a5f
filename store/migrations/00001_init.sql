-- +goose Up
-- Entries keep every version: a running workflow carries the version it
-- started with, and operators can read what any run was started from.
CREATE TABLE entries (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    current_version integer NOT NULL,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX entries_live_name ON entries (lower(name)) WHERE deleted_at IS NULL;

CREATE TABLE entry_versions (
    entry_id   text NOT NULL REFERENCES entries (id),
    version    integer NOT NULL,
    body       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entry_id, version)
);

-- The disposition catalog is data: scope 'interaction' holds interaction
-- dispositions, scope 'case' the non-final case dispositions.
CREATE TABLE dispositions (
    scope      text NOT NULL CHECK (scope IN ('interaction', 'case')),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, name)
);
INSERT INTO dispositions (scope, name) VALUES
    ('interaction', 'Problem solved'),
    ('interaction', 'Answer provided'),
    ('interaction', 'Spam'),
    ('interaction', 'Need more information'),
    ('interaction', 'Needs approval'),
    ('interaction', 'Approved'),
    ('interaction', 'Handled by other action'),
    ('case', 'Need more information'),
    ('case', 'Needs approval'),
    ('case', 'Approved');

-- One row per started workflow: the event's dedupe record, kept beyond the
-- Temporal namespace's retention.
CREATE TABLE runs (
    workflow_id    text PRIMARY KEY,
    run_id         text NOT NULL,
    entry_id       text NOT NULL,
    entry_version  integer NOT NULL,
    interaction_id text NOT NULL,
    trigger        text NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now()
);

-- Each send is recorded before and after the provider call under its
-- idempotency key (workflow ID + "/" + step id), so a retry never sends twice.
CREATE TABLE deliveries (
    key         text PRIMARY KEY,
    workflow_id text NOT NULL,
    step_id     text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient   text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    provider_id text NOT NULL DEFAULT '',
    attempts    integer NOT NULL DEFAULT 1,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX deliveries_workflow ON deliveries (workflow_id);

-- A survey is opened by a send_survey step; token_id is the random public
-- part of the signed token in the survey link.
CREATE TABLE surveys (
    id             text PRIMARY KEY,
    token_id       text NOT NULL UNIQUE,
    workflow_id    text NOT NULL,
    run_id         text NOT NULL,
    step_id        text NOT NULL,
    entry_id       text NOT NULL,
    interaction_id text NOT NULL,
    channel        text NOT NULL,
    question       text NOT NULL,
    wait_until     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_workflow ON surveys (workflow_id);

-- delivered is false when the answer came after the workflow stopped
-- waiting: it is kept and shown to operators all the same.
CREATE TABLE survey_answers (
    survey_id   text PRIMARY KEY REFERENCES surveys (id),
    score       integer NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     text NOT NULL DEFAULT '',
    delivered   boolean NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT now()
);

-- Server-wide secrets shared by the starter and the worker (the survey
-- token key), created once on first start.
CREATE TABLE settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE survey_answers;
DROP TABLE surveys;
DROP TABLE deliveries;
DROP TABLE runs;
DROP TABLE dispositions;
DROP TABLE entry_versions;
DROP TABLE entries;
