-- +goose Up
-- Issue 19: the ended interactions ccflow received, kept for the retention
-- period (CCFLOW_RETENTION, after they arrived) so that a simulation can
-- replay a period of them through a draft entry (POST /v1/simulations with
-- "recorded"). Independent of the migrations numbered near it: one table of
-- its own.
--
-- event is the event as posted, JSON sealed with the payload keys when
-- CCFLOW_PAYLOAD_KEYS is set (a Temporal payload, as histories keep it):
-- the customer's name and addresses are in it. customer_id is kept in
-- clear, as runs keep it, so that erasing a customer reaches their events.
-- ended_at is the event's ended_at, or when it arrived when it had none:
-- a period is chosen by it.
CREATE TABLE recorded_interactions (
    interaction_id text PRIMARY KEY,
    customer_id    text NOT NULL DEFAULT '',
    ended_at       timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    event          bytea NOT NULL
);
CREATE INDEX recorded_interactions_ended ON recorded_interactions (ended_at, interaction_id);
CREATE INDEX recorded_interactions_received ON recorded_interactions (received_at);
CREATE INDEX recorded_interactions_customer ON recorded_interactions (customer_id) WHERE customer_id <> '';

-- +goose Down
DROP TABLE recorded_interactions;
