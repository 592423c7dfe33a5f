-- +goose Up
-- The contact center's brand and the customers' languages (issue 17). This
-- migration reads and changes only tables that exist since 00001, so it
-- applies before or after the other migrations of its time.

-- The brand document of PUT /v1/brand, one row: its texts and accents,
-- the default brand's and each service's, with each logo named by its
-- file (core/brand Logo.File). No row means no brand: ccflow's defaults.
CREATE TABLE brand (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    body       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The logos the brand document names, by file name: a logo's URL names
-- its content, so it is cached for ever and a new logo has a new URL.
-- Saving the document deletes the logos it no longer names.
CREATE TABLE brand_logos (
    file         text PRIMARY KEY,
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    data         bytea NOT NULL CHECK (octet_length(data) <= 102400),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The survey page speaks the run's language and shows the brand of the
-- run's service. Surveys opened before know neither: '' is the browser's
-- language and the default brand.
ALTER TABLE surveys
    ADD COLUMN language text NOT NULL DEFAULT '',
    ADD COLUMN service  text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE surveys DROP COLUMN service, DROP COLUMN language;
DROP TABLE brand_logos;
DROP TABLE brand;
