-- +goose Up
-- The contact policy (issue 9). A send is decided in one transaction that
-- locks the customer, so two workers can never both pass a cap; the
-- decision is kept on the delivery, so a retry decides the same way.
ALTER TABLE deliveries
    DROP CONSTRAINT deliveries_status_check,
    ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'held', 'skipped', 'sent', 'failed')),
    -- customer_key is whose caps the send counts against: the customer id
    -- when the message goes to the customer's own address, else
    -- 'address:' || address_hash.
    ADD COLUMN customer_key text NOT NULL DEFAULT '',
    ADD COLUMN entry_id     text NOT NULL DEFAULT '',
    ADD COLUMN survey       boolean NOT NULL DEFAULT false,
    ADD COLUMN address_hash text NOT NULL DEFAULT '',
    -- decision is '' (not decided yet), 'send', 'held' or 'skipped'.
    ADD COLUMN decision     text NOT NULL DEFAULT '',
    ADD COLUMN reason_code  text NOT NULL DEFAULT '',
    ADD COLUMN reason       text NOT NULL DEFAULT '',
    ADD COLUMN hold_until   timestamptz,
    ADD COLUMN decided_at   timestamptz,
    -- The attempt that owns the provider call until lease_until: another
    -- attempt finding the lease unexpired does not call the provider.
    ADD COLUMN lease_owner  text NOT NULL DEFAULT '',
    ADD COLUMN lease_until  timestamptz;
CREATE INDEX deliveries_customer_sends ON deliveries (customer_key, channel, decided_at) WHERE decision = 'send';
CREATE INDEX deliveries_provider_id ON deliveries (provider_id) WHERE provider_id <> '';

-- Opt-outs, kept under the hash of the normalized address so they outlive
-- the erasure of the address itself (address is nulled then).
CREATE TABLE suppressions (
    channel      text NOT NULL CHECK (channel IN ('email', 'sms')),
    address_hash text NOT NULL,
    address      text,
    reason       text NOT NULL DEFAULT '',
    source       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, address_hash)
);

-- The one policy document; no row means the defaults.
CREATE TABLE contact_policy (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    body       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every ended interaction of a known customer, as ingest received it: a
-- later one stops the runs of entries with cancel_on_new_interaction.
CREATE TABLE customer_interactions (
    customer_id    text NOT NULL,
    interaction_id text NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (customer_id, interaction_id)
);

-- Twilio's status callbacks by message SID. Kept apart from deliveries
-- because a callback may come before the send is recorded as sent.
CREATE TABLE sms_statuses (
    provider_id text PRIMARY KEY,
    status      text NOT NULL,
    error_code  text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Runs know their customer and whether a new interaction stops them, so
-- ingest finds them in PostgreSQL; superseded_by is the interaction that did.
ALTER TABLE runs
    ADD COLUMN customer_id               text NOT NULL DEFAULT '',
    ADD COLUMN cancel_on_new_interaction boolean NOT NULL DEFAULT false,
    ADD COLUMN superseded_by             text;
CREATE INDEX runs_stop_on_new_interaction ON runs (customer_id)
    WHERE cancel_on_new_interaction AND superseded_by IS NULL;

-- +goose Down
DROP INDEX runs_stop_on_new_interaction;
ALTER TABLE runs DROP COLUMN superseded_by, DROP COLUMN cancel_on_new_interaction, DROP COLUMN customer_id;
DROP TABLE sms_statuses;
DROP TABLE customer_interactions;
DROP TABLE contact_policy;
DROP TABLE suppressions;
DROP INDEX deliveries_provider_id;
DROP INDEX deliveries_customer_sends;
DELETE FROM deliveries WHERE status IN ('held', 'skipped');
ALTER TABLE deliveries
    DROP COLUMN lease_until, DROP COLUMN lease_owner, DROP COLUMN decided_at, DROP COLUMN hold_until,
    DROP COLUMN reason, DROP COLUMN reason_code, DROP COLUMN decision, DROP COLUMN address_hash,
    DROP COLUMN survey, DROP COLUMN entry_id, DROP COLUMN customer_key,
    DROP CONSTRAINT deliveries_status_check,
    ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed'));
