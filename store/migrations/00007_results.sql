-- +goose Up
-- Results (issue 16): what a run and a survey remember, and the aggregates
-- GET /v1/results reads.
--
-- What this migration could fill for rows that existed before it, and
-- what it could not (docs/results.md says the same; the store logs the
-- count of runs it could not fill when it applies this migration):
--   * runs: the event's service, agent, disposition, channel and
--     interaction time were never stored, and the variant did not exist:
--     they stay '' (NULL for the time) on older runs, which results group
--     under "". How those runs ended was never recorded either, and the
--     runs already going never will record it (their workflow code has
--     no RecordRunEnd step): their status is 'unknown'.
--   * surveys: the entry version (from the run's record), the scale
--     (every older survey was 1-5), the sending time (from the delivery of
--     the survey's link), the answering time and the SMS delivery time
--     (the time Twilio's 'delivered' report was recorded) are filled in.
--   * deliveries: a message held once and sent since kept no trace of the
--     hold; only those still held are counted as held.
--   * the facts: every run, message, survey and answer already stored is
--     counted once, with the dimensions above (so older runs count under
--     an empty service, agent, disposition and channel).

ALTER TABLE runs
    ADD COLUMN service              text NOT NULL DEFAULT '',
    ADD COLUMN agent_id             text NOT NULL DEFAULT '',
    ADD COLUMN disposition          text NOT NULL DEFAULT '',
    ADD COLUMN channel              text NOT NULL DEFAULT '',
    ADD COLUMN interaction_ended_at timestamptz,
    ADD COLUMN variant              text NOT NULL DEFAULT '',
    -- How the run ended: running until the run records its end.
    ADD COLUMN status   text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'failed', 'canceled', 'unknown')),
    ADD COLUMN reason   text NOT NULL DEFAULT '',
    ADD COLUMN ended_at timestamptz;
UPDATE runs SET status = 'unknown';
-- GET /v1/runs: newest first, by entry, status, interaction.
CREATE INDEX runs_started ON runs (started_at DESC, workflow_id DESC) WHERE run_id <> '';
CREATE INDEX runs_entry_started ON runs (entry_id, started_at DESC, workflow_id DESC) WHERE run_id <> '';
CREATE INDEX runs_status_started ON runs (status, started_at DESC, workflow_id DESC) WHERE run_id <> '';
-- (Events reach runs by interaction through 00008's runs_interaction.)
-- Retention clears the customer id of runs that ended long ago.
CREATE INDEX runs_ended ON runs (ended_at) WHERE customer_id <> '';

ALTER TABLE surveys
    ADD COLUMN entry_version integer NOT NULL DEFAULT 0,
    ADD COLUMN scale         text NOT NULL DEFAULT '1-5' CHECK (scale IN ('1-5', '0-10')),
    ADD COLUMN sent_at       timestamptz,
    ADD COLUMN delivered_at  timestamptz,
    ADD COLUMN answered_at   timestamptz;
UPDATE surveys s SET entry_version = r.entry_version FROM runs r WHERE r.workflow_id = s.workflow_id;
UPDATE surveys s SET sent_at = d.sent_at FROM deliveries d WHERE d.key = s.id AND d.status = 'sent';
UPDATE surveys s SET delivered_at = st.updated_at
    FROM deliveries d JOIN sms_statuses st ON st.provider_id = d.provider_id
    WHERE d.key = s.id AND d.provider_id <> '' AND st.status IN ('delivered', 'read');
UPDATE surveys s SET answered_at = a.answered_at FROM survey_answers a WHERE a.survey_id = s.id;

-- An answer carries what the answers list filters and sorts by, so a page
-- deep into the list is found through an index, as fast as the first.
ALTER TABLE survey_answers
    DROP CONSTRAINT survey_answers_score_check,
    ADD COLUMN scale    text NOT NULL DEFAULT '1-5',
    ADD COLUMN entry_id text NOT NULL DEFAULT '',
    ADD COLUMN service  text NOT NULL DEFAULT '',
    ADD COLUMN agent_id text NOT NULL DEFAULT '',
    ADD CONSTRAINT survey_answers_score_check CHECK (
        (scale = '1-5' AND score BETWEEN 1 AND 5) OR (scale = '0-10' AND score BETWEEN 0 AND 10)),
    -- The score as a share of its scale, 0 to 100: lowest first across scales.
    ADD COLUMN score_pct smallint GENERATED ALWAYS AS (
        CASE scale WHEN '0-10' THEN score * 10 ELSE (score - 1) * 25 END) STORED;
UPDATE survey_answers a SET entry_id = s.entry_id FROM surveys s WHERE s.id = a.survey_id;
CREATE INDEX survey_answers_newest ON survey_answers (answered_at DESC, survey_id DESC);
CREATE INDEX survey_answers_entry ON survey_answers (entry_id, answered_at DESC, survey_id DESC);
CREATE INDEX survey_answers_agent ON survey_answers (agent_id, answered_at DESC, survey_id DESC);
CREATE INDEX survey_answers_service ON survey_answers (service, answered_at DESC, survey_id DESC);
CREATE INDEX survey_answers_lowest ON survey_answers (score_pct, answered_at DESC, survey_id DESC);

-- A message's first hold, so it counts as held once however often it is
-- held again.
ALTER TABLE deliveries ADD COLUMN held_at timestamptz;
UPDATE deliveries SET held_at = decided_at WHERE status = 'held';

-- The class of Twilio's report (delivered or failed) the facts count for
-- a message, so a repeated or a changed report counts once. A row with an
-- empty status is the send's own mark, made when the message is recorded
-- as sent: a report and the send meet on this row, whichever comes first.
ALTER TABLE sms_statuses ADD COLUMN counted text NOT NULL DEFAULT '';
UPDATE sms_statuses st SET counted = CASE
        WHEN st.status IN ('delivered', 'read') THEN 'delivered'
        WHEN st.status IN ('undelivered', 'failed') THEN 'failed' ELSE '' END
    FROM deliveries d WHERE d.provider_id = st.provider_id AND d.provider_id <> '';

-- The facts results count: one row per change that counts (a run claimed,
-- a message sent, a survey answered…), written in the transaction of that
-- change, so a retry that changes nothing counts nothing. They hold no
-- customer data: the run's entry, service, agent id, disposition,
-- interaction channel and variant, the survey's scale, the policy's reason
-- for a skip, a score and the minutes to answer. No key of their own: nothing
-- looks one fact up, and each index costs every write that counts. They are kept for good,
-- like the counts they make, whatever retention and erasure remove, and
-- never change: the bounds of a period that fall inside a bucket of the
-- rollup, and the exact medians, are read from them.
CREATE TABLE result_facts (
    at          timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('run', 'sent', 'delivered', 'failed', 'held', 'skipped',
                                               'survey_sent', 'answered', 'minutes')),
    n           smallint NOT NULL DEFAULT 1,
    entry_id    text NOT NULL DEFAULT '',
    service     text NOT NULL DEFAULT '',
    agent_id    text NOT NULL DEFAULT '',
    disposition text NOT NULL DEFAULT '',
    channel     text NOT NULL DEFAULT '',
    variant     text NOT NULL DEFAULT '',
    scale       text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    score       smallint,
    minutes     integer,
    -- The transaction that wrote the fact: the folder folds the facts of
    -- transactions that have ended, in order (see result_fold).
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX result_facts_at ON result_facts (at);
CREATE INDEX result_facts_xid ON result_facts (xid);
-- The exact median of a group reads the minutes of one or two bins: by
-- day, by agent, by entry, each through its index.
CREATE INDEX result_facts_minutes ON result_facts (minutes, at) WHERE minutes IS NOT NULL;
CREATE INDEX result_facts_agent_minutes ON result_facts (agent_id, minutes, at) WHERE minutes IS NOT NULL;
CREATE INDEX result_facts_entry_minutes ON result_facts (entry_id, minutes, at) WHERE minutes IS NOT NULL;

-- How far the folder (store.FoldResults) has folded the facts into the
-- rollup: every fact of a transaction before watermark, none after. It
-- folds the facts of transactions that have ended (older than any still
-- running), so a fact is never left behind by one that commits late, and
-- moves the watermark in the transaction that adds them to the rollup. A
-- query reads the rollup, the watermark and the facts after it in one
-- snapshot.
CREATE TABLE result_fold (
    one       boolean PRIMARY KEY DEFAULT true CHECK (one),
    watermark xid8 NOT NULL
);
INSERT INTO result_fold (watermark) VALUES ('0');

-- The facts summed by the dimensions of a level (core/results.Levels;
-- those it does not keep are '') in UTC buckets of a grain (0: quarter
-- hour, 1: hour, 2: day, 3: week from Monday, 4: four hours). The folder
-- alone writes it. detail holds the rest of the bucket's tally, encoded
-- (core/results.Tally.MarshalDetail): skipped messages by the policy's
-- reason, surveys and scores by scale, answers by bin of minutes to
-- answer.
CREATE TABLE result_rollup (
    level        smallint NOT NULL,
    grain        smallint NOT NULL,
    bucket       timestamptz NOT NULL,
    entry_id     text NOT NULL,
    service      text NOT NULL,
    agent_id     text NOT NULL,
    disposition  text NOT NULL,
    channel      text NOT NULL,
    variant      text NOT NULL,
    runs         bigint NOT NULL,
    sent         bigint NOT NULL,
    delivered    bigint NOT NULL,
    failed       bigint NOT NULL,
    held         bigint NOT NULL,
    skipped      bigint NOT NULL,
    surveys_sent bigint NOT NULL,
    answered     bigint NOT NULL,
    detail       bytea NOT NULL,
    PRIMARY KEY (level, grain, bucket, entry_id, service, agent_id, disposition, channel, variant)
);

-- What existed before: counted once, as the facts of each change would
-- have counted it.
INSERT INTO result_facts (at, kind, entry_id)
    SELECT started_at, 'run', entry_id FROM runs;
INSERT INTO result_facts (at, kind, entry_id, reason)
    SELECT d.created_at, k.kind, COALESCE(r.entry_id, d.entry_id), CASE WHEN k.kind = 'skipped' THEN d.reason_code ELSE '' END
    FROM deliveries d
    LEFT JOIN runs r ON r.workflow_id = d.workflow_id
    CROSS JOIN LATERAL (VALUES
        (CASE d.status WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' WHEN 'skipped' THEN 'skipped' END),
        (CASE WHEN d.held_at IS NOT NULL THEN 'held' END)) AS k(kind)
    WHERE k.kind IS NOT NULL;
INSERT INTO result_facts (at, kind, entry_id)
    SELECT d.created_at, st.counted, COALESCE(r.entry_id, d.entry_id)
    FROM sms_statuses st JOIN deliveries d ON d.provider_id = st.provider_id AND d.provider_id <> ''
    LEFT JOIN runs r ON r.workflow_id = d.workflow_id
    WHERE st.counted <> '';
INSERT INTO result_facts (at, kind, entry_id, scale)
    SELECT s.created_at, 'survey_sent', s.entry_id, s.scale FROM surveys s WHERE s.sent_at IS NOT NULL;
INSERT INTO result_facts (at, kind, entry_id, scale, score, minutes)
    SELECT s.created_at, 'answered', s.entry_id, s.scale, a.score,
        CASE WHEN s.sent_at IS NOT NULL
            THEN GREATEST(0, floor(extract(epoch FROM a.answered_at - s.sent_at) / 60))::integer END
    FROM survey_answers a JOIN surveys s ON s.id = a.survey_id;

-- +goose Down
DROP TABLE result_rollup;
DROP TABLE result_fold;
DROP TABLE result_facts;
ALTER TABLE sms_statuses DROP COLUMN counted;
ALTER TABLE deliveries DROP COLUMN held_at;
DROP INDEX survey_answers_lowest;
DROP INDEX survey_answers_service;
DROP INDEX survey_answers_agent;
DROP INDEX survey_answers_entry;
DROP INDEX survey_answers_newest;
DELETE FROM survey_answers WHERE scale <> '1-5';
ALTER TABLE survey_answers
    DROP COLUMN score_pct,
    DROP CONSTRAINT survey_answers_score_check,
    DROP COLUMN agent_id, DROP COLUMN service, DROP COLUMN entry_id, DROP COLUMN scale,
    ADD CONSTRAINT survey_answers_score_check CHECK (score BETWEEN 1 AND 5);
ALTER TABLE surveys DROP COLUMN answered_at, DROP COLUMN delivered_at, DROP COLUMN sent_at, DROP COLUMN scale, DROP COLUMN entry_version;
DROP INDEX runs_ended;
DROP INDEX runs_status_started;
DROP INDEX runs_entry_started;
DROP INDEX runs_started;
ALTER TABLE runs
    DROP COLUMN ended_at, DROP COLUMN reason, DROP COLUMN status, DROP COLUMN variant,
    DROP COLUMN interaction_ended_at, DROP COLUMN channel, DROP COLUMN disposition,
    DROP COLUMN agent_id, DROP COLUMN service;
