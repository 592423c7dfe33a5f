package brand

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Colors are the colours a page or an email draws with one accent, each
// readable where it is used, whatever the accent: WCAG 2's contrast of
// at least 4.5:1 for text (AA) and 3:1 for the edges of controls.
type Colors struct {
	// Accent fills buttons and the chosen rating: the brand's colour as
	// it was given.
	Accent string
	// OnAccent is the text on Accent: white or black, whichever is the
	// more readable (one of them always reaches 4.5:1).
	OnAccent string
	// Strong is the accent as text and edges on white (links, headings'
	// rules, button borders, focus rings): the accent itself when it
	// reads at 4.5:1 on white, else the accent darkened until it does.
	Strong string
}

// The page's and email's white and black.
const (
	white = "#FFFFFF"
	black = "#000000"
)

// ColorsFor derives Colors from an accent ("#RRGGBB"); an empty or
// unreadable accent is DefaultAccent.
func ColorsFor(accent string) Colors {
	rgb, err := parseHex(accent)
	if err != nil {
		rgb, _ = parseHex(DefaultAccent)
	}
	c := Colors{Accent: rgb.hex(), OnAccent: white, Strong: rgb.hex()}
	if Contrast(rgb, mustHex(white)) < Contrast(rgb, mustHex(black)) {
		c.OnAccent = black
	}
	// Darken in small steps, keeping the hue, until it reads on white.
	strong := rgb
	for i := 0; Contrast(strong, mustHex(white)) < 4.5 && i < 100; i++ {
		strong = strong.scale(0.95)
	}
	c.Strong = strong.hex()
	return c
}

// CheckAccent reports whether accent is a colour "#RRGGBB" (any case).
func CheckAccent(accent string) error {
	if _, err := parseHex(accent); err != nil {
		return err
	}
	return nil
}

// NormalizeAccent writes an accent in upper case, "#0B5FFF".
func NormalizeAccent(accent string) string { return strings.ToUpper(strings.TrimSpace(accent)) }

// rgb is a colour in sRGB, 0 to 255 each.
type rgb struct{ r, g, b float64 }

func parseHex(s string) (rgb, error) {
	s = strings.TrimSpace(s)
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, fmt.Errorf("%q is not a colour: write it as #RRGGBB, such as \"#0B5FFF\"", s)
	}
	n, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("%q is not a colour: write it as #RRGGBB, such as \"#0B5FFF\"", s)
	}
	return rgb{float64(n >> 16 & 0xFF), float64(n >> 8 & 0xFF), float64(n & 0xFF)}, nil
}

func mustHex(s string) rgb {
	c, err := parseHex(s)
	if err != nil {
		panic(err)
	}
	return c
}

func (c rgb) hex() string {
	return fmt.Sprintf("#%02X%02X%02X", int(math.Round(c.r)), int(math.Round(c.g)), int(math.Round(c.b)))
}

func (c rgb) scale(f float64) rgb { return rgb{c.r * f, c.g * f, c.b * f} }

// luminance is WCAG 2's relative luminance of c.
func (c rgb) luminance() float64 {
	channel := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(c.r) + 0.7152*channel(c.g) + 0.0722*channel(c.b)
}

// Contrast is WCAG 2's contrast ratio of two colours, 1 to 21.
func Contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// ContrastOf is Contrast of two "#RRGGBB" colours, for tests and
// documentation; 0 when either is no colour.
func ContrastOf(a, b string) float64 {
	ca, err1 := parseHex(a)
	cb, err2 := parseHex(b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return Contrast(ca, cb)
}
