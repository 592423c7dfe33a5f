-- +goose Up
-- Ingest claims a run before it asks Temporal to start it, so no run is
-- ever started without its row: a claim is a row whose run_id is still
-- empty. Ingest fills run_id in once Temporal has answered; a claim left
-- empty (the starter stopped, the caller gave up) is settled by the
-- starters' reconciler, which asks Temporal whether the run exists.
-- claimed_at is when the claim was last taken, so the reconciler never
-- removes a claim another request has just taken again.
ALTER TABLE runs ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX runs_claims ON runs (claimed_at) WHERE run_id = '';

-- +goose Down
DROP INDEX runs_claims;
ALTER TABLE runs DROP COLUMN claimed_at;
