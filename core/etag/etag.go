// Package etag names stored versions of an entry for HTTP's conditional
// requests: the API sends an entry's tag as ETag, and a client that sends it
// back in If-Match changes the entry only if nobody changed it in between.
// Clients that know the version they read (ccflowctl's plan does) make the
// same tag here instead of keeping headers.
package etag

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Entry is the strong ETag of version of entry id, quoted as the header
// carries it: `"<version>-<12 hex digits>"`. The digits are derived from
// the id and the version, so a tag read from one entry never matches
// another.
func Entry(id string, version int) string {
	v := strconv.Itoa(version)
	sum := sha256.Sum256([]byte(id + "\x00" + v))
	return `"` + v + "-" + hex.EncodeToString(sum[:6]) + `"`
}

// Condition is a parsed If-Match header.
type Condition struct {
	// Any is If-Match: *, which any current version satisfies.
	Any bool
	// Tags are the listed entity tags, quotes kept.
	Tags []string
}

// ParseIfMatch reads an If-Match header value (RFC 9110 §13.1.1): "*" or a
// comma-separated list of entity tags. Weak tags (W/"…") are kept but never
// match, since If-Match compares strongly. ok is false when the value is
// empty or not a list of tags.
func ParseIfMatch(header string) (c Condition, ok bool) {
	header = strings.TrimSpace(header)
	if header == "*" {
		return Condition{Any: true}, true
	}
	for part := range strings.SplitSeq(header, ",") {
		tag := strings.TrimSpace(part)
		quoted := strings.TrimPrefix(tag, "W/")
		if len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' || strings.Contains(quoted[1:len(quoted)-1], `"`) {
			return Condition{}, false
		}
		c.Tags = append(c.Tags, tag)
	}
	return c, len(c.Tags) > 0
}

// Version returns the version of entry id that c's tags name: the newest
// when they name several, 0 (no version) when they name none, for a tag
// of another entry or a weak one never matches.
func (c Condition) Version(id string) int {
	newest := 0
	for _, tag := range c.Tags {
		v, _, ok := strings.Cut(strings.Trim(tag, `"`), "-")
		n, err := strconv.Atoi(v)
		if ok && err == nil && n > newest && tag == Entry(id, n) {
			newest = n
		}
	}
	return newest
}

// Matches reports whether current, a strong ETag, satisfies c.
func (c Condition) Matches(current string) bool {
	if c.Any {
		return true
	}
	for _, tag := range c.Tags {
		if tag == current { // a weak tag starts with W/ and so never equals a strong one
			return true
		}
	}
	return false
}
