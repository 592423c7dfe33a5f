package webhook

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxExcerpt is how many characters of a receiver's answer ccflow keeps
// and shows: enough to read an error, never the whole of a large page.
const MaxExcerpt = 300

// Excerpt is what ccflow keeps of a receiver's answer body b: at most max
// characters, each control character, and each byte that is not UTF-8,
// written as an escape (\n, \x00, \u202e) so the excerpt is one line of
// plain text that cannot reorder or hide what surrounds it where it is
// shown, and " …" and the size left out when it was cut.
func Excerpt(b []byte, max int) string {
	var out strings.Builder
	n := 0
	for i := 0; i < len(b); {
		if n == max {
			fmt.Fprintf(&out, " … (%d more bytes)", len(b)-i)
			break
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&out, `\x%02x`, b[i])
		case r == '\n':
			out.WriteString(`\n`)
		case r == '\r':
			out.WriteString(`\r`)
		case r == '\t':
			out.WriteString(`\t`)
		case r == '\\':
			out.WriteString(`\\`)
		case unicode.IsControl(r) && r < 0x80:
			fmt.Fprintf(&out, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.WriteRune(r)
		}
		i += size
		n++
	}
	return out.String()
}
