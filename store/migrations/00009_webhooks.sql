-- +goose Up
-- Webhooks (events out, issue 16). This migration reads only tables that
-- exist since 00002 (runs, deliveries), so it applies before or after the
-- other migrations of its time.

-- Subscriptions. secret holds the signing secret sealed (AES-GCM,
-- "v1:<key id>:<base64>", core/webhook); previous_secret is the one being
-- rotated out, which still signs deliveries until previous_until.
CREATE TABLE webhook_subscriptions (
    id                text PRIMARY KEY,
    url               text NOT NULL,
    events            text[] NOT NULL,
    description       text NOT NULL DEFAULT '',
    secret            text NOT NULL,
    previous_secret   text,
    previous_until    timestamptz,
    secret_rotated_at timestamptz,
    disabled_at       timestamptz,
    disabled_reason   text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per fact, written in the transaction of the fact
-- (ccflow_webhook_enqueue), only when a subscription wants its type. The
-- keys workflow_id, customer_id and address_hash find the events again
-- when a customer's data is erased; data holds customer data and goes
-- with retention and erasure.
CREATE TABLE webhook_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    data         jsonb NOT NULL,
    workflow_id  text NOT NULL DEFAULT '',
    customer_id  text NOT NULL DEFAULT '',
    address_hash text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);
CREATE INDEX webhook_events_workflow ON webhook_events (workflow_id) WHERE workflow_id <> '';
CREATE INDEX webhook_events_customer ON webhook_events (customer_id) WHERE customer_id <> '';
CREATE INDEX webhook_events_address ON webhook_events (address_hash) WHERE address_hash <> '';

-- One delivery per event and subscription; its id is the webhook-id every
-- attempt carries. dispatched_at is set once a delivery workflow runs it
-- (the dispatcher); dispatch_lease_until keeps two dispatchers from
-- starting the same one at once. subscription_id has no foreign key: a
-- subscription deleted while a fact commits must not fail the fact; its
-- deliveries go with it, and one left behind stops at its first attempt.
CREATE TABLE webhook_deliveries (
    id                   text PRIMARY KEY,
    event_id             text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    subscription_id      text NOT NULL,
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'retrying', 'delivered', 'failed', 'stopped')),
    attempts             integer NOT NULL DEFAULT 0,
    last_status_code     integer,
    last_error           text NOT NULL DEFAULT '',
    first_attempt_at     timestamptz,
    last_attempt_at      timestamptz,
    next_attempt_at      timestamptz,
    dispatched_at        timestamptz,
    dispatch_lease_until timestamptz,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_undispatched ON webhook_deliveries (created_at) WHERE dispatched_at IS NULL;
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Every attempt, by Temporal's attempt number (an attempt whose worker
-- died records nothing: its number is missing). response is the start of
-- the receiver's answer, cut and escaped (core/webhook.Excerpt).
CREATE TABLE webhook_attempts (
    delivery_id     text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         integer NOT NULL,
    attempted_at    timestamptz NOT NULL,
    duration_ms     integer NOT NULL,
    status_code     integer,
    outcome         text NOT NULL,
    error           text NOT NULL DEFAULT '',
    response        text NOT NULL DEFAULT '',
    next_attempt_at timestamptz,
    PRIMARY KEY (delivery_id, attempt)
);

-- ccflow_webhook_enqueue writes one event, and a delivery for each
-- enabled subscription that wants its type, in the caller's transaction,
-- and wakes the dispatchers when it commits. Without a subscription for
-- the type it writes nothing. It returns the number of deliveries.
-- +goose StatementBegin
CREATE FUNCTION ccflow_webhook_enqueue(p_type text, p_at timestamptz, p_data jsonb,
    p_workflow_id text, p_customer_id text, p_address_hash text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    ev text;
    n  integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE disabled_at IS NULL AND p_type = ANY (events)) THEN
        RETURN 0;
    END IF;
    ev := 'evt_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO webhook_events (id, type, occurred_at, data, workflow_id, customer_id, address_hash)
    VALUES (ev, p_type, p_at, p_data, COALESCE(p_workflow_id, ''), COALESCE(p_customer_id, ''), COALESCE(p_address_hash, ''));
    INSERT INTO webhook_deliveries (id, event_id, subscription_id)
    SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ev, s.id
    FROM webhook_subscriptions s
    WHERE s.disabled_at IS NULL AND p_type = ANY (s.events);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_notify('ccflow_webhooks', '');
    RETURN n;
END
$$;
-- +goose StatementEnd

-- ccflow_webhook_message_status writes a message.status event of a
-- delivery record (core/webhook.MessageStatusData; a store test holds the
-- two to the same shape). It is SQL so that the write recording a send
-- stays one statement: that write is the window in which a crash sends a
-- message twice.
-- +goose StatementBegin
CREATE FUNCTION ccflow_webhook_message_status(p_key text, p_workflow_id text, p_step_id text, p_channel text,
    p_entry_id text, p_provider_id text, p_status text, p_source text, p_reason text, p_error_code text,
    p_at timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    customer text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE disabled_at IS NULL AND 'message.status' = ANY (events)) THEN
        RETURN 0;
    END IF;
    SELECT customer_id INTO customer FROM runs WHERE workflow_id = p_workflow_id;
    customer := COALESCE(customer, '');
    RETURN ccflow_webhook_enqueue('message.status', p_at, jsonb_build_object(
        'delivery_id', COALESCE(p_key, ''), 'workflow_id', COALESCE(p_workflow_id, ''), 'entry_id', COALESCE(p_entry_id, ''),
        'step_id', COALESCE(p_step_id, ''), 'customer_id', customer, 'channel', COALESCE(p_channel, ''),
        'status', p_status, 'source', p_source, 'reason', COALESCE(p_reason, ''), 'error_code', COALESCE(p_error_code, ''),
        'provider_message_id', COALESCE(p_provider_id, ''), 'at', p_at),
        p_workflow_id, customer, '');
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION ccflow_webhook_message_status(text, text, text, text, text, text, text, text, text, text, timestamptz);
DROP FUNCTION ccflow_webhook_enqueue(text, timestamptz, jsonb, text, text, text);
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_subscriptions;
