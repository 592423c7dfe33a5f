// Package brand is the contact center's own face on what customers see:
// the name, logo, accent colour and support contact on the survey and
// unsubscribe pages and in the HTML emails, by default and per service.
//
// It is pure: it reads a brand document (Decode, the body of PUT
// /v1/brand), checks it, says which brand a service shows (Document.For)
// and which colours keep text readable whatever the accent (Colors). The
// store keeps the document and its logos; ccflow serves each logo at a
// URL named for its content (Logo.File), so it can be cached for ever.
//
// Logos are PNG or JPEG, checked by their bytes, not their declared type:
// SVG is refused, because an SVG can carry script (served from ccflow's
// origin it could act in the console's) and most email clients do not
// show it anyway.
package brand

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Brand is one brand: what a customer reads of who is asking.
type Brand struct {
	// Name is the contact center's name as customers know it ("Acme
	// Support"): the pages' and emails' heading, the logo's alt text.
	Name string
	// Logo is shown beside the name; nil for none.
	Logo *Logo
	// Accent is the brand colour, "#RRGGBB" (upper case): buttons, the
	// emails' top rule. Colors derives readable text colours from it.
	Accent string
	// Contact is a line saying how to reach support ("Call us at +1 555
	// 0100"), in every page's and email's footer.
	Contact string
}

// Document is the brand document of PUT /v1/brand: the default brand and,
// optionally, one per service (the event's service, as entries name it),
// whose empty fields are the default's.
type Document struct {
	Brand
	Services map[string]Brand
}

// DefaultAccent is the accent of a brand that names none: a blue with
// white text at 6.7:1.
const DefaultAccent = "#1D4ED8"

// For is the brand a run of service shows: the service's own, each of
// its empty fields taken from the default brand. A service without a
// brand of its own, and the empty service, show the default.
func (d Document) For(service string) Brand {
	b := d.Brand
	s, ok := d.Services[service]
	if !ok || service == "" {
		return b
	}
	if s.Name != "" {
		b.Name = s.Name
	}
	if s.Logo != nil {
		b.Logo = s.Logo
	}
	if s.Accent != "" {
		b.Accent = s.Accent
	}
	if s.Contact != "" {
		b.Contact = s.Contact
	}
	return b
}

// IsZero reports whether d sets nothing at all.
func (d Document) IsZero() bool { return d.Brand == (Brand{}) && len(d.Services) == 0 }

// Logos lists the distinct logos d uses, the default's first.
func (d Document) Logos() []*Logo {
	var out []*Logo
	seen := map[string]bool{}
	add := func(l *Logo) {
		if l != nil && !seen[l.File()] {
			seen[l.File()] = true
			out = append(out, l)
		}
	}
	add(d.Logo)
	for _, name := range sortedKeys(d.Services) {
		add(d.Services[name].Logo)
	}
	return out
}

// Logo is an image checked to be a PNG or a JPEG of bounded size.
type Logo struct {
	// Type is "image/png" or "image/jpeg", as the bytes say.
	Type string
	Data []byte
	// Width and Height are the image's size in pixels.
	Width, Height int
}

// File names the logo by its content: the first 32 hex digits of its
// SHA-256 and its extension, e.g. "3f…9c.png". A logo's URL ends with it,
// so a changed logo has a new URL and an old one can be cached for ever.
func (l *Logo) File() string {
	sum := sha256.Sum256(l.Data)
	ext := ".png"
	if l.Type == TypeJPEG {
		ext = ".jpg"
	}
	return hex.EncodeToString(sum[:16]) + ext
}

// DataURL is the logo as a data: URL, the form PUT /v1/brand takes.
func (l *Logo) DataURL() string {
	return "data:" + l.Type + ";base64," + base64.StdEncoding.EncodeToString(l.Data)
}

// ParseFile reads a logo's file name ("<32 hex digits>.png" or ".jpg"),
// as a request for it names it; ok is false for any other name.
func ParseFile(name string) (id, contentType string, ok bool) {
	base, ext, found := strings.Cut(name, ".")
	if !found || len(base) != 32 || strings.Trim(base, "0123456789abcdef") != "" {
		return "", "", false
	}
	switch ext {
	case "png":
		return name, TypePNG, true
	case "jpg":
		return name, TypeJPEG, true
	}
	return "", "", false
}

func (b Brand) String() string {
	return fmt.Sprintf("brand %q (accent %s)", b.Name, b.Accent)
}
