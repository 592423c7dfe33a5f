package policy

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
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

// AddressHash is the SHA-256 of a normalized address, in hex: what an
// opt-out is kept under, so it outlives the erasure of the address itself.
func AddressHash(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}

// Unsubscribe token ids are "u" + a channel letter + the address hash in
// base64url: no personal data in the link, and valid for ever.
var channelLetters = map[string]byte{ChannelEmail: 'e', ChannelSMS: 's'}

var b64 = base64.RawURLEncoding

// UnsubscribeID is the id signed into an unsubscribe link for the address
// whose hash (AddressHash) is given.
func UnsubscribeID(channel, hash string) (string, error) {
	letter, ok := channelLetters[channel]
	raw, err := hex.DecodeString(hash)
	if !ok || err != nil || len(raw) != sha256.Size {
		return "", fmt.Errorf("no unsubscribe id for channel %q and hash %q", channel, hash)
	}
	return "u" + string(letter) + b64.EncodeToString(raw), nil
}

// ParseUnsubscribeID reads back the channel and address hash of an id
// UnsubscribeID made.
func ParseUnsubscribeID(id string) (channel, hash string, err error) {
	bad := fmt.Errorf("%q is not an unsubscribe id", id)
	if len(id) < 3 || id[0] != 'u' {
		return "", "", bad
	}
	for ch, letter := range channelLetters {
		if id[1] == letter {
			channel = ch
		}
	}
	raw, derr := b64.Strict().DecodeString(id[2:])
	if channel == "" || derr != nil || len(raw) != sha256.Size {
		return "", "", bad
	}
	return channel, hex.EncodeToString(raw), nil
}
