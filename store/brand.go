package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/core/brand"
)

// storedBrand is one brand as the brand row's body keeps it: its logo by
// file name, the bytes in brand_logos.
type storedBrand struct {
	Name    string `json:"name,omitempty"`
	Logo    string `json:"logo,omitempty"`
	Accent  string `json:"accent,omitempty"`
	Contact string `json:"contact,omitempty"`
}

// storedDocument is the brand row's body.
type storedDocument struct {
	storedBrand
	Services map[string]storedBrand `json:"services,omitempty"`
}

func toStored(b brand.Brand) storedBrand {
	s := storedBrand{Name: b.Name, Accent: b.Accent, Contact: b.Contact}
	if b.Logo != nil {
		s.Logo = b.Logo.File()
	}
	return s
}

// Brand returns the brand document with its logos, and when it was saved;
// the zero Document and time when none was.
func (s *Store) Brand(ctx context.Context) (brand.Document, time.Time, error) {
	var row struct {
		Body      []byte    `db:"body"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT body, updated_at FROM brand`)
	if errors.Is(err, sql.ErrNoRows) {
		return brand.Document{}, time.Time{}, nil
	}
	if err != nil {
		return brand.Document{}, time.Time{}, fmt.Errorf("reading the brand: %w", err)
	}
	var stored storedDocument
	if err := json.Unmarshal(row.Body, &stored); err != nil {
		return brand.Document{}, time.Time{}, fmt.Errorf("decoding the stored brand: %w", err)
	}
	var files []string
	for _, b := range append([]storedBrand{stored.storedBrand}, slices.Collect(maps.Values(stored.Services))...) {
		if b.Logo != "" && !slices.Contains(files, b.Logo) {
			files = append(files, b.Logo)
		}
	}
	logos := map[string]*brand.Logo{}
	for _, file := range files {
		logo, err := s.BrandLogo(ctx, file)
		if errors.Is(err, ErrNotFound) {
			continue // deleted by a save racing this read: shown without
		}
		if err != nil {
			return brand.Document{}, time.Time{}, err
		}
		logos[file] = logo
	}
	from := func(b storedBrand) brand.Brand {
		return brand.Brand{Name: b.Name, Logo: logos[b.Logo], Accent: b.Accent, Contact: b.Contact}
	}
	d := brand.Document{Brand: from(stored.storedBrand)}
	for name, b := range stored.Services {
		if d.Services == nil {
			d.Services = map[string]brand.Brand{}
		}
		d.Services[name] = from(b)
	}
	return d, row.UpdatedAt, nil
}

// SaveBrand replaces the brand document: its logos are stored under their
// file names (a logo stored already is kept as it is), those it no longer
// names are deleted, in one transaction. It returns the save's time.
func (s *Store) SaveBrand(ctx context.Context, d brand.Document) (time.Time, error) {
	stored := storedDocument{storedBrand: toStored(d.Brand)}
	for name, b := range d.Services {
		if stored.Services == nil {
			stored.Services = map[string]storedBrand{}
		}
		stored.Services[name] = toStored(b)
	}
	body, err := json.Marshal(stored)
	if err != nil {
		return time.Time{}, fmt.Errorf("encoding the brand: %w", err)
	}
	var updated time.Time
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var files []string
		for _, logo := range d.Logos() {
			files = append(files, logo.File())
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO brand_logos (file, content_type, data) VALUES ($1, $2, $3)
				ON CONFLICT (file) DO NOTHING`, logo.File(), logo.Type, logo.Data); err != nil {
				return fmt.Errorf("storing logo %s: %w", logo.File(), err)
			}
		}
		if err := tx.GetContext(ctx, &updated, `
			INSERT INTO brand (id, body, updated_at) VALUES (true, $1, clock_timestamp())
			ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at
			RETURNING updated_at`, body); err != nil {
			return fmt.Errorf("saving the brand: %w", err)
		}
		if files == nil {
			files = []string{}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM brand_logos WHERE NOT (file = ANY($1))`, pq.Array(files)); err != nil {
			return fmt.Errorf("deleting the logos the brand no longer shows: %w", err)
		}
		return nil
	})
	return updated, err
}

// BrandLogo returns the logo stored under file; ErrNotFound when there is
// none (an old URL after the logo changed).
func (s *Store) BrandLogo(ctx context.Context, file string) (*brand.Logo, error) {
	var row struct {
		Type string `db:"content_type"`
		Data []byte `db:"data"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT content_type, data FROM brand_logos WHERE file = $1`, file)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("logo %s: %w", file, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading logo %s: %w", file, err)
	}
	logo, err := brand.NewLogo(row.Type, row.Data)
	if err != nil {
		return nil, fmt.Errorf("stored logo %s: %w", file, err)
	}
	return logo, nil
}
