package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery, as Standard Webhooks names them.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret as it is shown.
const SecretPrefix = "whsec_"

// SecretSize is how many random bytes a new secret has: 256 bits, inside
// the 24 to 64 bytes Standard Webhooks asks for.
const SecretSize = 32

// Secret is a subscription's signing secret: the bytes HMAC-SHA256 is
// keyed with. It is shown once, as whsec_ and their base64.
type Secret []byte

// NewSecret draws a secret from random (crypto/rand.Reader).
func NewSecret(random io.Reader) (Secret, error) {
	s := make(Secret, SecretSize)
	if _, err := io.ReadFull(random, s); err != nil {
		return nil, fmt.Errorf("drawing a webhook secret: %w", err)
	}
	return s, nil
}

// String is the secret as a receiver configures it: whsec_ and base64.
func (s Secret) String() string { return SecretPrefix + base64.StdEncoding.EncodeToString(s) }

// ParseSecret reads a secret as String writes it (the whsec_ prefix is
// optional, as the specification's libraries take it).
func ParseSecret(text string) (Secret, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(text, SecretPrefix))
	if err != nil {
		return nil, errors.New("a webhook secret is whsec_ followed by base64")
	}
	if len(b) == 0 {
		return nil, errors.New("the webhook secret is empty")
	}
	return Secret(b), nil
}

// Sign is the signature of one delivery with one secret: "v1," and the
// base64 of HMAC-SHA256 over "{id}.{timestamp}.{body}".
func Sign(secret Secret, id string, timestamp time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Headers are the three headers of a delivery signed with every secret
// given (the current one first, then the one being rotated out), the
// signatures space-separated as the specification lists them.
func Headers(id string, timestamp time.Time, body []byte, secrets ...Secret) map[string]string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sigs = append(sigs, Sign(s, id, timestamp, body))
	}
	return map[string]string{
		HeaderID:        id,
		HeaderTimestamp: strconv.FormatInt(timestamp.Unix(), 10),
		HeaderSignature: strings.Join(sigs, " "),
	}
}

// ErrNotVerified is a delivery whose headers do not prove it came from
// ccflow with the secret given.
var ErrNotVerified = errors.New("webhook signature not verified")

// Verify is what a receiver does: it checks that the headers (read with
// header, e.g. http.Header.Get) carry a v1 signature of body made with
// secret, and a timestamp within tolerance of now, so a recorded delivery
// cannot be replayed later. It compares in constant time.
func Verify(secret Secret, header func(string) string, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := header(HeaderID), header(HeaderTimestamp), header(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: a header is missing", ErrNotVerified)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: the timestamp is not a number", ErrNotVerified)
	}
	at := time.Unix(unix, 0)
	if at.Before(now.Add(-tolerance)) || at.After(now.Add(tolerance)) {
		return fmt.Errorf("%w: the timestamp is too far from now", ErrNotVerified)
	}
	want := Sign(secret, id, at, body)
	for sig := range strings.FieldsSeq(sigs) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("%w: no signature matches", ErrNotVerified)
}

// RotationWindow is how long a rotated-out secret keeps signing beside
// the new one: as long as a delivery is retried, so every delivery that
// was signed with the old secret alone when the rotation began is still
// being tried when its receiver can check the new one, and a receiver has
// a day to take the new secret into use.
const RotationWindow = 24 * time.Hour
