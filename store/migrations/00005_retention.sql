-- +goose Up
-- Customer data is deleted once it is older than CCFLOW_RETENTION (the
-- daily retention run, store.Purge) or when a customer's data is erased
-- (store.EraseCustomer). These indexes let both find their rows without
-- reading whole tables.
CREATE INDEX deliveries_updated ON deliveries (updated_at);
CREATE INDEX deliveries_customer ON deliveries (customer_key) WHERE customer_key <> '';
CREATE INDEX surveys_created ON surveys (created_at);
CREATE INDEX customer_interactions_received ON customer_interactions (received_at);
CREATE INDEX suppressions_reason_created ON suppressions (created_at) WHERE reason <> '';
CREATE INDEX sms_statuses_updated ON sms_statuses (updated_at);
CREATE INDEX runs_customer ON runs (customer_id) WHERE customer_id <> '';

-- +goose Down
DROP INDEX runs_customer;
DROP INDEX sms_statuses_updated;
DROP INDEX suppressions_reason_created;
DROP INDEX customer_interactions_received;
DROP INDEX surveys_created;
DROP INDEX deliveries_customer;
DROP INDEX deliveries_updated;
