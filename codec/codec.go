// Package codec encrypts the payloads ccflow hands to Temporal: workflow
// inputs and results, activity inputs and results, signals, updates,
// memos, summaries and (through the failure converter) error messages, so
// that a workflow history holds no customer data in clear.
//
// Payloads are sealed with AES-256-GCM. Each encrypted payload names the
// key that sealed it in its metadata, so keys rotate: a Keyring encrypts
// with its first key and decrypts with any key it holds. A payload that is
// not encrypted (written before encryption was switched on) decodes as it
// is, so histories recorded in clear stay readable.
//
// The package is pure: it reads no environment and does no I/O. config
// parses CCFLOW_PAYLOAD_KEYS into a Keyring and applies it to every
// Temporal client ccflow makes; the starter serves it to the Web UI as a
// remote codec (web/api's /codec).
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload. The encoding follows Temporal's
// samples, so tools that know them recognise what they see.
const (
	// EncodingEncrypted is the "encoding" of an encrypted payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that sealed the payload.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the cipher, for whoever reads a history later.
	MetadataCipher = "encryption-cipher"
	// Cipher is the one cipher ccflow seals with.
	Cipher = "AES-256-GCM"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// additionalData binds every sealed payload to its purpose and key id: a
// payload whose key id was changed in the metadata does not open.
func additionalData(keyID string) []byte {
	return []byte("ccflow payload v1\x00" + keyID)
}

// keyIDPattern is what a key id may look like: short, printable, and free
// of the separators of CCFLOW_PAYLOAD_KEYS.
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Keyring holds the payload keys: the first encrypts, every one decrypts.
type Keyring struct {
	ids   []string
	aeads map[string]cipher.AEAD
}

// Key is one named AES-256 key.
type Key struct {
	ID     string
	Secret []byte
}

// NewKeyring builds a keyring from keys, the first being the one that
// encrypts. Every key must be KeySize bytes and every id unique.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key given: at least one is needed to encrypt")
	}
	k := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, key := range keys {
		if !keyIDPattern.MatchString(key.ID) {
			return nil, fmt.Errorf("key %d: id %q must be 1 to 64 of A-Z a-z 0-9 . _ -", i+1, key.ID)
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("key id %q is listed twice: each key needs an id of its own", key.ID)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("key %q is %d bytes long; AES-256 needs exactly %d (e.g. `openssl rand -base64 32`)",
				key.ID, len(key.Secret), KeySize)
		}
		block, err := aes.NewCipher(key.Secret)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key.ID, err)
		}
		k.ids = append(k.ids, key.ID)
		k.aeads[key.ID] = aead
	}
	return k, nil
}

// ParseKeys reads keys written as "id1:base64,id0:base64" (standard or
// URL base64, padded or not), the first being the one that encrypts.
// Errors name the key at fault but never show a secret.
func ParseKeys(spec string) (*Keyring, error) {
	keys, err := ParseKeyList(spec)
	if err != nil {
		return nil, err
	}
	return NewKeyring(keys...)
}

// ParseKeyList reads keys as ParseKeys does and returns them as they are,
// for a part that derives keys of its own from them (the sealing of
// webhook secrets); NewKeyring checks them.
func ParseKeyList(spec string) ([]Key, error) {
	var keys []Key
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		id, encoded, ok := strings.Cut(item, ":")
		if !ok || strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("item %d is not id:base64-key (e.g. k2:%s)", i+1, strings.Repeat("A", 43)+"=")
		}
		id = strings.TrimSpace(id)
		secret, err := decodeBase64(strings.TrimSpace(encoded))
		if err != nil {
			return nil, fmt.Errorf("key %q is not base64: %w", id, err)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

// decodeBase64 accepts the padded and unpadded forms of both alphabets:
// keys come from `openssl rand -base64 32` as often as from secret stores
// that write URL-safe base64.
func decodeBase64(s string) ([]byte, error) {
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// EncryptingKeyID is the id of the key new payloads are sealed with.
func (k *Keyring) EncryptingKeyID() string { return k.ids[0] }

// KeyIDs lists the key ids, the encrypting one first.
func (k *Keyring) KeyIDs() []string { return append([]string(nil), k.ids...) }

// Codec is the keyring as Temporal's PayloadCodec.
func (k *Keyring) Codec() converter.PayloadCodec { return payloadCodec{k} }

// DataConverter is Temporal's default data converter with the payloads it
// makes sealed by the keyring.
func (k *Keyring) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), k.Codec())
}

// FailureConverter keeps the messages and stack traces of errors in the
// failure's encoded attributes, sealed with the payloads: an error message
// names recipients ("sending email to ada@example.com: …").
func (k *Keyring) FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          dc,
		EncodeCommonAttributes: true,
	})
}

// Apply makes every payload and failure of the client opts builds sealed
// by k. A nil keyring leaves opts as they are: payloads in clear.
func Apply(opts *client.Options, k *Keyring) {
	if k == nil {
		return
	}
	opts.DataConverter = k.DataConverter()
	opts.FailureConverter = k.FailureConverter(opts.DataConverter)
}

// payloadCodec seals and opens payloads with a keyring.
type payloadCodec struct{ k *Keyring }

// Encode seals each payload with the encrypting key. A payload that is
// sealed already is left as it is, so encoding twice is harmless.
func (c payloadCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.k.ids[0]
	aead := c.k.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if isEncrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("encoding payload %d for encryption: %w", i, err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("drawing a nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
				MetadataCipher:             []byte(Cipher),
			},
			Data: aead.Seal(nonce, nonce, plain, additionalData(id)),
		}
	}
	return out, nil
}

// Decode opens each sealed payload with the key it names; payloads in
// clear are returned as they are.
func (c payloadCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !isEncrypted(p) {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.k.aeads[id]
		if !ok {
			return payloads, fmt.Errorf("payload %d was encrypted with key %q, which is not among the keys held (%s): "+
				"add it to CCFLOW_PAYLOAD_KEYS after the encrypting key", i, id, strings.Join(c.k.ids, ", "))
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return payloads, fmt.Errorf("payload %d (key %q) is too short to be sealed: %d bytes", i, id, len(data))
		}
		nonce, sealed := data[:aead.NonceSize()], data[aead.NonceSize():]
		plain, err := aead.Open(nil, nonce, sealed, additionalData(id))
		if err != nil {
			return payloads, fmt.Errorf("payload %d does not open with key %q: altered, or sealed with another key of that id", i, id)
		}
		var opened commonpb.Payload
		if err := proto.Unmarshal(plain, &opened); err != nil {
			return payloads, fmt.Errorf("payload %d (key %q) opened but is not a payload: %w", i, id, err)
		}
		out[i] = &opened
	}
	return out, nil
}

func isEncrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingEncrypted
}
