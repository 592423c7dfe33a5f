package entry

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxIDLength bounds an entry id: it is the first part of every workflow ID
// "<entry_id>/<interaction_id>".
const maxIDLength = 64

// Slug turns an entry name into an id: "Post-call survey" becomes
// "post-call-survey" and "Enquête qualité" becomes "enquete-qualite". Runs
// of anything but ASCII letters and digits become one '-'; the result is
// cut to 64 characters and may be empty when the name has no such letters.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, c):
			// an accent split off its letter by NFD: drop it, keep the letter
		case c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(c))
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > maxIDLength {
		s = strings.TrimRight(s[:maxIDLength], "-")
	}
	return s
}
