package policy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
)

// maxEmailLength is the longest address SMTP carries (RFC 5321's path).
const maxEmailLength = 254

// NormalizeAddress returns the form an address is suppressed and counted
// under: an email lower-cased and trimmed, a phone number in E.164 with
// spaces, dashes, dots and brackets removed. It fails, naming the problem,
// for an address that is neither.
func NormalizeAddress(channel, address string) (string, error) {
	a := strings.TrimSpace(address)
	switch channel {
	case ChannelEmail:
		a = strings.ToLower(a)
		parsed, err := mail.ParseAddress(a)
		if err != nil || parsed.Address != a || len(a) > maxEmailLength {
			return "", fmt.Errorf("%q is not an email address", address)
		}
		return a, nil
	case ChannelSMS:
		a = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '-', '.', '(', ')', '\t':
				return -1
			}
			return r
		}, a)
		if !isE164(a) {
			return "", fmt.Errorf("%q is not an E.164 phone number (e.g. +15551234567)", address)
		}
		return a, nil
	}
	return "", fmt.Errorf("%q is not a channel (use email or sms)", channel)
}

func isE164(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) < 7 || len(digits) > 15 || digits[0] == '0' {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// What an opt-out is kept under, and what an unsubscribe link carries,
// is a keyed hash of the normalized address: an HMAC-SHA256 with a key
// only the server holds (derived from the link secret, see package
// linkkeys), so a leaked table or link does not give the address back. An
// unkeyed SHA-256 did: a phone number came back from its hash in seconds,
// there being few phone numbers.
//
// A keyed hash is written "<key id>:<64 hex digits>". The key id names
// the key, so keys rotate: the first key of an AddressHasher hashes, and
// every key it holds still recognises what it hashed (Forms). Before the
// keys, ccflow kept the unkeyed hash (LegacyAddressHash) and put it in
// unsubscribe links; such a link still works, and what it names is kept in
// the legacy form "<key id>:sha:<64 hex digits>", the HMAC of the unkeyed
// hash, which the address's Forms include too.

// AddressKeySize is the size of an address key.
const AddressKeySize = 32

// AddressHasher hashes addresses with its first key and recognises the
// hashes of all its keys. The zero value has no key and must not be used.
type AddressHasher struct {
	keys []addressKey
}

type addressKey struct {
	id  string
	key []byte
}

// NewAddressHasher returns a hasher of keys, the first hashing; each key
// should be AddressKeySize secret bytes. It panics without a key.
func NewAddressHasher(keys ...[]byte) *AddressHasher {
	if len(keys) == 0 {
		panic("policy: an address hasher needs a key")
	}
	h := &AddressHasher{}
	for _, k := range keys {
		h.keys = append(h.keys, addressKey{id: keyID(k), key: append([]byte(nil), k...)})
	}
	return h
}

// keyID names a key without giving it away: 8 hex digits of an HMAC made
// with it.
func keyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ccflow address key id"))
	return hex.EncodeToString(m.Sum(nil))[:8]
}

// KeyID is the id of the key that hashes.
func (h *AddressHasher) KeyID() string { return h.keys[0].id }

func (k addressKey) mac(s string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// Hash is the keyed hash of a normalized address (NormalizeAddress).
func (h *AddressHasher) Hash(normalized string) string {
	return h.keys[0].id + ":" + h.keys[0].mac(normalized)
}

// LegacyForm is the keyed form, with the hashing key, of an unkeyed hash
// from before the keys (LegacyAddressHash's): what an unsubscribe link of
// then, or an opt-out whose address was erased then, is kept under.
func (h *AddressHasher) LegacyForm(legacyHash string) string {
	return h.keys[0].id + ":sha:" + h.keys[0].mac(legacyHash)
}

// Forms are every hash an opt-out of the normalized address may be kept
// under: its hash with each key, and the legacy form with each key. A
// lookup matches any of them.
func (h *AddressHasher) Forms(normalized string) []string {
	legacy := LegacyAddressHash(normalized)
	out := make([]string, 0, 2*len(h.keys))
	for _, k := range h.keys {
		out = append(out, k.id+":"+k.mac(normalized), k.id+":sha:"+k.mac(legacy))
	}
	return out
}

// CurrentPattern is a PostgreSQL regular expression that matches the hashes
// the hashing key makes (Hash), and no other: rows that do not match are
// hashed again when their address is known.
func (h *AddressHasher) CurrentPattern() string { return "^" + h.keys[0].id + ":[0-9a-f]{64}$" }

// LegacyPattern matches an unkeyed hash of before the keys.
const LegacyPattern = "^[0-9a-f]{64}$"

var legacyHash = regexp.MustCompile(LegacyPattern)

// IsLegacyHash tells an unkeyed hash of before the keys.
func IsLegacyHash(s string) bool { return legacyHash.MatchString(s) }

// LegacyAddressHash is the unkeyed SHA-256 of a normalized address, in hex,
// as ccflow kept it before the keys. It is read, never written: to move
// old rows to the keyed hash and to honour old unsubscribe links.
func LegacyAddressHash(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}

// Unsubscribe token ids are "k" + a channel letter + the key id + the
// keyed hash in base64url: no personal data in the link, and valid for
// ever. Links sent before the keys have ids "u" + a channel letter + the
// unkeyed hash.
var channelLetters = map[string]byte{ChannelEmail: 'e', ChannelSMS: 's'}

var b64 = base64.RawURLEncoding

// keyIDLength is the length of a key id in a hash and a link.
const keyIDLength = 8

// UnsubscribeID is the id signed into an unsubscribe link for the address
// whose keyed hash (AddressHasher.Hash) is given.
func UnsubscribeID(channel, hash string) (string, error) {
	letter, ok := channelLetters[channel]
	kid, hexHash, _ := strings.Cut(hash, ":")
	raw, err := hex.DecodeString(hexHash)
	if !ok || err != nil || len(raw) != sha256.Size || len(kid) != keyIDLength || !isHex(kid) {
		return "", fmt.Errorf("no unsubscribe id for channel %q and hash %q", channel, hash)
	}
	return "k" + string(letter) + kid + b64.EncodeToString(raw), nil
}

// Unsubscribe is what an unsubscribe link names.
type Unsubscribe struct {
	Channel string
	// Hash is the keyed hash of the address (AddressHasher.Hash's form);
	// for a link of before the keys, Legacy is the unkeyed hash instead.
	Hash   string
	Legacy string
}

// ParseUnsubscribeID reads back what an id UnsubscribeID made names, or
// one of a link sent before the keys.
func ParseUnsubscribeID(id string) (Unsubscribe, error) {
	bad := fmt.Errorf("%q is not an unsubscribe id", id)
	if len(id) < 3 || (id[0] != 'k' && id[0] != 'u') {
		return Unsubscribe{}, bad
	}
	var u Unsubscribe
	for ch, letter := range channelLetters {
		if id[1] == letter {
			u.Channel = ch
		}
	}
	rest, kid := id[2:], ""
	if id[0] == 'k' {
		if len(rest) < keyIDLength || !isHex(rest[:keyIDLength]) {
			return Unsubscribe{}, bad
		}
		kid, rest = rest[:keyIDLength], rest[keyIDLength:]
	}
	raw, err := b64.Strict().DecodeString(rest)
	if u.Channel == "" || err != nil || len(raw) != sha256.Size {
		return Unsubscribe{}, bad
	}
	if kid == "" {
		u.Legacy = hex.EncodeToString(raw)
	} else {
		u.Hash = kid + ":" + hex.EncodeToString(raw)
	}
	return u, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CountedAs is whom a send counts against for the caps and the survey
// grace: the customer, by id, when the message goes to their own address
// (recipient); else the address, by its keyed hash. The send activities
// and a simulation count alike through it.
func CountedAs(recipient bool, customerID, addressHash string) string {
	if recipient && customerID != "" {
		return customerID
	}
	return "address:" + addressHash
}
