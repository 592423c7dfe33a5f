package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Secrets are kept sealed: AES-256-GCM under a key with an id, written as
// "v1:<key id>:<base64 of nonce and sealed bytes>", bound to the
// subscription they sign for, so a sealed secret copied to another row
// does not open. A Sealer seals with its first key and opens with any, so
// keys rotate: the store seals again under the first key what an older one
// sealed (store.ResealWebhookSecrets).

// SealKey is one named AES-256 key for secrets.
type SealKey struct {
	ID  string
	Key []byte
}

// sealInfo names the purpose keys are derived for, so a key derived from
// a payload key or the store's secret is never the key itself.
const sealInfo = "ccflow webhook secrets v1"

// DeriveSealKey derives the key that seals secrets from a server key (a
// payload key of CCFLOW_PAYLOAD_KEYS, or a secret the store keeps),
// keeping its id.
func DeriveSealKey(id string, serverKey []byte) (SealKey, error) {
	if len(serverKey) < 32 {
		return SealKey{}, fmt.Errorf("key %q has %d bytes; sealing webhook secrets needs at least 32", id, len(serverKey))
	}
	if id == "" || strings.Contains(id, ":") {
		return SealKey{}, fmt.Errorf("key id %q: want a name without a colon", id)
	}
	k, err := hkdf.Key(sha256.New, serverKey, nil, sealInfo, 32)
	if err != nil {
		return SealKey{}, fmt.Errorf("deriving the webhook key from key %q: %w", id, err)
	}
	return SealKey{ID: id, Key: k}, nil
}

// Sealer seals secrets with its first key and opens them with any.
type Sealer struct {
	ids   []string
	aeads map[string]cipher.AEAD
}

// NewSealer builds a sealer; the first key seals.
func NewSealer(keys ...SealKey) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key to seal webhook secrets with")
	}
	s := &Sealer{aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if _, dup := s.aeads[k.ID]; dup {
			continue
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, fmt.Errorf("webhook key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("webhook key %q: %w", k.ID, err)
		}
		s.ids = append(s.ids, k.ID)
		s.aeads[k.ID] = aead
	}
	return s, nil
}

// KeyID is the id of the key new secrets are sealed with.
func (s *Sealer) KeyID() string { return s.ids[0] }

func sealAAD(keyID, subscriptionID string) []byte {
	return []byte("ccflow webhook secret v1\x00" + keyID + "\x00" + subscriptionID)
}

// Seal seals the secret of subscriptionID.
func (s *Sealer) Seal(subscriptionID string, secret Secret) (string, error) {
	id := s.ids[0]
	aead := s.aeads[id]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("drawing a nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, secret, sealAAD(id, subscriptionID))
	return "v1:" + id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// SealedKeyID is the id of the key that sealed a value Seal made.
func SealedKeyID(sealed string) string {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

// Open opens a secret Seal sealed for subscriptionID. Its errors never
// hold the secret.
func (s *Sealer) Open(subscriptionID, sealed string) (Secret, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, errors.New("the sealed webhook secret is not in the v1 form")
	}
	aead, ok := s.aeads[parts[1]]
	if !ok {
		return nil, fmt.Errorf("the webhook secret of %s was sealed with key %q, which this server does not hold (keep it among CCFLOW_PAYLOAD_KEYS until the secrets are sealed again)", subscriptionID, parts[1])
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(data) < aead.NonceSize() {
		return nil, fmt.Errorf("the sealed webhook secret of %s is damaged", subscriptionID)
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], sealAAD(parts[1], subscriptionID))
	if err != nil {
		return nil, fmt.Errorf("the webhook secret of %s does not open with key %q", subscriptionID, parts[1])
	}
	return Secret(plain), nil
}

// StoreKeyName is the store setting whose secret seals webhook secrets
// (under key id StoreKeyID) when no payload key does, and opens what it
// sealed after payload keys are set.
const (
	StoreKeyName = "webhook-secret-key"
	StoreKeyID   = "db"
)
