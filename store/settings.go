package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// secretSize is the length of a secret in bytes: a 256-bit HMAC key.
const secretSize = 32

// Secret returns the server-wide secret called name, making it on first use.
// Every process asking for the same name gets the same bytes, so the
// starter and the worker share the survey-token key without configuration.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, secretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("making secret %q: %w", name, err)
	}
	// Whoever inserts first wins; everyone then reads the winner's value.
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("storing secret %q: %w", name, err)
	}
	var value string
	if err := s.db.GetContext(ctx, &value, `SELECT value FROM settings WHERE name = $1`, name); err != nil {
		return nil, fmt.Errorf("reading secret %q: %w", name, err)
	}
	secret, err := hex.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("decoding secret %q: %w", name, err)
	}
	return secret, nil
}

// ExistingSecret returns the secret called name when one was made, and ok
// false when none was: unlike Secret, it makes none.
func (s *Store) ExistingSecret(ctx context.Context, name string) (secret []byte, ok bool, err error) {
	var values []string
	if err := s.db.SelectContext(ctx, &values, `SELECT value FROM settings WHERE name = $1`, name); err != nil {
		return nil, false, fmt.Errorf("reading secret %q: %w", name, err)
	}
	if len(values) == 0 {
		return nil, false, nil
	}
	secret, err = hex.DecodeString(values[0])
	if err != nil {
		return nil, false, fmt.Errorf("decoding secret %q: %w", name, err)
	}
	return secret, true, nil
}
