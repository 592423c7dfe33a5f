-- +goose Up
-- Surveys answered by SMS reply (issue 17): a send_survey step with
-- "channel": "sms", "answer_by": "reply" asks its question in the SMS, and
-- the customer's reply from that number is the answer.
--
-- reply_surveys holds, for each such survey, the number it went to (its
-- keyed hash, as opt-outs and inbound messages keep it), the survey's scale
-- (a reply is read on it) and the step's wait. A number has at most one
-- reply survey open at a time (store.OpenReplySurvey decides under a lock
-- on the number): it is open while it has no answer and its run still
-- waits, which its SMS's delivery tells: not skipped or failed, and less
-- than the wait since it was sent (or since it was held until, or since the
-- survey was opened, while it has not gone). A reply from the number
-- answers the newest of its reply surveys while that has no answer and has
-- not expired: late, once the wait is over. The row goes with its survey
-- (retention, erasure).
CREATE TABLE reply_surveys (
    survey_id   text PRIMARY KEY REFERENCES surveys (id) ON DELETE CASCADE,
    number_hash text NOT NULL,
    scale       text NOT NULL CHECK (scale IN ('1-5', '0-10')),
    wait        interval NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reply_surveys_number ON reply_surveys (number_hash, created_at DESC);

-- An inbound message read as a reply to a survey keeps its survey_id and
-- what it did: received (being handed to the run; a retry of the post
-- finishes it), answered (it is the survey's answer, at most one a
-- survey), unclear (no number on the scale while the survey was open: the
-- run was asked to send its one clarifying SMS), or kept (read against the
-- survey, answering nothing: a late reply without a number, or one that
-- came after another reply had answered).
ALTER TABLE inbound_messages
    DROP CONSTRAINT inbound_messages_action_check,
    ADD CONSTRAINT inbound_messages_action_check
        CHECK (action IN ('opted_out', 'opted_in', 'kept', 'received', 'answered', 'unclear'));
CREATE UNIQUE INDEX inbound_messages_answer ON inbound_messages (survey_id) WHERE action = 'answered';
CREATE INDEX inbound_messages_survey ON inbound_messages (survey_id) WHERE survey_id IS NOT NULL;

-- +goose Down
DROP INDEX inbound_messages_survey;
DROP INDEX inbound_messages_answer;
UPDATE inbound_messages SET action = 'kept' WHERE action IN ('received', 'answered', 'unclear');
ALTER TABLE inbound_messages
    DROP CONSTRAINT inbound_messages_action_check,
    ADD CONSTRAINT inbound_messages_action_check CHECK (action IN ('opted_out', 'opted_in', 'kept'));
DROP TABLE reply_surveys;
