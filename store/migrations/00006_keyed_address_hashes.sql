-- +goose Up
-- Issue 15. Opt-outs, deliveries and unsubscribe links name an address by
-- a keyed hash (HMAC-SHA256 with a key derived from the link secret,
-- "<key id>:<hex>") instead of its unkeyed SHA-256, which gave a phone
-- number back in seconds. The key is not in the database, so the starter
-- and the worker move the rows at start-up (store.RekeyAddresses): rows
-- whose address is known get the keyed hash of it; opt-outs whose address
-- was erased keep only the keyed form of their old hash. Nothing here
-- needs the key.
--
-- legacy_hash is, for a delivery made before the keys, the keyed form of
-- the unkeyed hash its unsubscribe link carried: an old link finds the
-- address through it, so the opt-out it makes shows the address.
ALTER TABLE deliveries ADD COLUMN legacy_hash text NOT NULL DEFAULT '';
CREATE INDEX deliveries_address_hash ON deliveries (address_hash) WHERE address_hash <> '';
CREATE INDEX deliveries_legacy_hash ON deliveries (legacy_hash) WHERE legacy_hash <> '';

-- Every SMS a customer sent to the contact center's number, handled once:
-- Twilio posts a message again when it does not hear back, and a captured
-- signed post can be replayed; the primary key (Twilio's MessageSid) and
-- Twilio's I-Twilio-Idempotency-Token make the second post a no-op.
--   from_hash is the keyed hash of the sender's number (as opt-outs are
--     kept), from_address and body the number and the text, kept for an
--     operator to read; retention deletes the row, erasure of the
--     customer whose number it is deletes it;
--   action is what ccflow did: opted_out, opted_in, or kept (any other
--     message, for an operator) and keyword the keyword it read;
--   survey_id is the survey a reply answers (issue 17: answers by SMS
--     reply), NULL for now.
CREATE TABLE inbound_messages (
    message_sid       text PRIMARY KEY,
    idempotency_token text UNIQUE,
    channel           text NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms')),
    from_hash         text NOT NULL,
    from_address      text,
    to_address        text NOT NULL DEFAULT '',
    body              text,
    action            text NOT NULL CHECK (action IN ('opted_out', 'opted_in', 'kept')),
    keyword           text NOT NULL DEFAULT '',
    survey_id         text,
    received_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);
CREATE INDEX inbound_messages_from ON inbound_messages (from_hash);

-- +goose Down
DROP TABLE inbound_messages;
DROP INDEX deliveries_legacy_hash;
DROP INDEX deliveries_address_hash;
ALTER TABLE deliveries DROP COLUMN legacy_hash;
