-- +goose Up
-- Every change of an entry takes the next number of one counter, stamped on
-- the entry's row and announced on the ccflow_entries channel when it
-- commits. Starters keep the entries in memory: they listen on the channel
-- and compare the counter on a timer, and read back only the rows stamped
-- after what they hold. The counter's row lock is held until commit, so
-- entry writes commit in the counter's order and a reader that sees number
-- n has seen every change up to n.
CREATE TABLE entries_generation (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    generation bigint NOT NULL
);
INSERT INTO entries_generation (generation) VALUES (0);

ALTER TABLE entries ADD COLUMN generation bigint NOT NULL DEFAULT 0;
CREATE INDEX entries_generation_stamp ON entries (generation);

-- +goose StatementBegin
CREATE FUNCTION entries_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE entries_generation SET generation = generation + 1 RETURNING generation INTO NEW.generation;
    PERFORM pg_notify('ccflow_entries', NEW.generation::text);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER entries_stamp BEFORE INSERT OR UPDATE ON entries
    FOR EACH ROW EXECUTE FUNCTION entries_stamp();

-- Rows deleted outright (ccflow only marks them deleted) leave no stamp:
-- the counter still moves, and a reader that finds fewer live entries than
-- it holds reads them all again.
-- +goose StatementBegin
CREATE FUNCTION entries_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g bigint;
BEGIN
    UPDATE entries_generation SET generation = generation + 1 RETURNING generation INTO g;
    PERFORM pg_notify('ccflow_entries', g::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER entries_removed AFTER DELETE OR TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION entries_removed();

-- +goose Down
DROP TRIGGER entries_removed ON entries;
DROP FUNCTION entries_removed();
DROP TRIGGER entries_stamp ON entries;
DROP FUNCTION entries_stamp();
DROP INDEX entries_generation_stamp;
ALTER TABLE entries DROP COLUMN generation;
DROP TABLE entries_generation;
