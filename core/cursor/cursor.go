// Package cursor makes the next_cursor of ccflow's lists: a keyset
// position (the sort values of the last item a page showed) bound to the
// query it came from and signed. A cursor handed back with the same query
// continues after that item, however many items came before it, so page
// 5,000 costs what page 1 does; a cursor from another query (other
// filters, another order) or one that was made up or edited is refused,
// naming the cursor parameter, rather than silently skipping or repeating
// items.
package cursor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
)

// Field is the query parameter cursors travel in, which errors name.
const Field = "cursor"

// maxLength bounds a cursor, so a huge one is refused before any work.
const maxLength = 1024

// macSize is how many bytes of the HMAC-SHA256 a cursor carries: 128
// bits, beyond guessing.
const macSize = 16

// Codec makes and reads cursors with one server key.
type Codec struct {
	key []byte
}

// New returns a Codec signing with key: at least 32 random bytes, the
// same on every starter so a cursor from one works on another.
func New(key []byte) *Codec { return &Codec{key: append([]byte(nil), key...)} }

// payload is what a cursor holds: the query's fingerprint and the
// position.
type payload struct {
	Query    string   `json:"q"`
	Position []string `json:"p"`
}

var encoding = base64.RawURLEncoding

// Encode makes the cursor of position for query, a canonical text of
// everything that decides the list's items and order (not the page size).
func (c *Codec) Encode(query string, position []string) string {
	body, _ := json.Marshal(payload{Query: fingerprint(query), Position: position}) // strings only: cannot fail
	data := encoding.EncodeToString(body)
	return data + "." + encoding.EncodeToString(c.mac(data))
}

// Decode reads cursor back for query: the position, or an error naming
// Field when the cursor is malformed, was not made by this server (or was
// edited), or belongs to another query. want is how many values a
// position has.
func (c *Codec) Decode(query, cursor string, want int) ([]string, error) {
	invalid := validation.Errorf(Field, "is not a cursor this list gave out")
	if len(cursor) > maxLength {
		return nil, invalid
	}
	data, sig, ok := strings.Cut(cursor, ".")
	if !ok {
		return nil, invalid
	}
	got, err := encoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, c.mac(data)) {
		return nil, invalid
	}
	body, err := encoding.Strict().DecodeString(data)
	if err != nil {
		return nil, invalid
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, invalid
	}
	if p.Query != fingerprint(query) {
		return nil, validation.Errorf(Field, "belongs to another query: ask with the same filters and order as the page that gave it")
	}
	if len(p.Position) != want {
		return nil, invalid
	}
	return p.Position, nil
}

func (c *Codec) mac(data string) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte("ccflow-cursor\x00" + data))
	return h.Sum(nil)[:macSize]
}

// fingerprint is a short hash of a query's canonical text.
func fingerprint(query string) string {
	sum := sha256.Sum256([]byte(query))
	return encoding.EncodeToString(sum[:9])
}
