package brand_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

// pngOf is a w×h PNG in one colour.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: 11, G: 95, B: 255, A: 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil))
	return b.Bytes()
}

func dataURL(typ string, data []byte) string {
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// Whatever the accent, text on it and the accent as text on white read
// at 4.5:1 or better (WCAG 2 AA).
func TestColorsAreReadableWhateverTheAccent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accent, onAccent string
		strongChanged    bool
	}{
		{"#FFFF00", "#000000", true},  // yellow: black text, darkened for links
		{"#777777", "#000000", true},  // mid grey: 4.48:1 with white, so black
		{"#FFFFFF", "#000000", true},  // white on white
		{"#000000", "#FFFFFF", false}, // black
		{"#0B5FFF", "#FFFFFF", false}, // SPEC's example
		{"#1D4ED8", "#FFFFFF", false}, // the default
		{"#00FF00", "#000000", true},
		{"#E60000", "#FFFFFF", false},
		{"#ff8800", "#000000", true}, // lower case is read too
	}
	for _, tt := range tests {
		t.Run(tt.accent, func(t *testing.T) {
			t.Parallel()
			c := brand.ColorsFor(tt.accent)
			require.Equal(t, strings.ToUpper(tt.accent), c.Accent)
			require.Equal(t, tt.onAccent, c.OnAccent)
			require.GreaterOrEqual(t, brand.ContrastOf(c.Accent, c.OnAccent), 4.5, "text on the accent")
			require.GreaterOrEqual(t, brand.ContrastOf(c.Strong, "#FFFFFF"), 4.5, "the accent as text on white")
			require.Equal(t, tt.strongChanged, c.Strong != c.Accent, "strong %s", c.Strong)
		})
	}
}

func TestColorsOfNoAccentAreTheDefaults(t *testing.T) {
	t.Parallel()
	for _, accent := range []string{"", "blue", "#12345"} {
		require.Equal(t, brand.ColorsFor(brand.DefaultAccent), brand.ColorsFor(accent), accent)
	}
}

func TestContrastIsWCAGs(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 21.0, brand.ContrastOf("#000000", "#FFFFFF"), 0.001)
	require.InDelta(t, 1.0, brand.ContrastOf("#777777", "#777777"), 0.001)
	require.InDelta(t, 4.48, brand.ContrastOf("#777777", "#FFFFFF"), 0.01)
	require.InDelta(t, 1.07, brand.ContrastOf("#FFFF00", "#FFFFFF"), 0.01)
}

func TestDecodeReadsTheDocument(t *testing.T) {
	t.Parallel()
	logo := pngOf(t, 40, 20)
	d, err := brand.Decode([]byte(fmt.Sprintf(`{"name": " Acme Support ", "logo": %q, "accent": "#0b5fff",
		"contact": "Call us at +1 555 0100", "logo_url": "/brand/logo/x.png",
		"services": {"Billing Support": {"name": "Acme Billing", "accent": "#FFFF00"}, "Sales": {}}}`, dataURL("image/png", logo))))
	require.NoError(t, err)
	require.Equal(t, "Acme Support", d.Name)
	require.Equal(t, "#0B5FFF", d.Accent)
	require.Equal(t, logo, d.Logo.Data)
	require.Equal(t, 40, d.Logo.Width)
	require.Regexp(t, `^[0-9a-f]{32}\.png$`, d.Logo.File())

	billing := d.For("Billing Support")
	require.Equal(t, brand.Brand{Name: "Acme Billing", Logo: d.Logo, Accent: "#FFFF00", Contact: "Call us at +1 555 0100"}, billing,
		"a service's empty fields are the default's")
	require.Equal(t, d.Brand, d.For("Sales"))
	require.Equal(t, d.Brand, d.For("Unknown"))
	require.Equal(t, d.Brand, d.For(""))
	require.Len(t, d.Logos(), 1)
}

func TestDecodeRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	tests := []struct{ body, path, message string }{
		{`[]`, "", "must be a JSON object"},
		{`{"name": 5}`, "name", "must be a string"},
		{`{"title": "x"}`, "title", "unknown field"},
		{`{"name": "a", "name": "b"}`, "name", "is given twice"},
		{`{"name": "` + strings.Repeat("x", 201) + `"}`, "name", "at most 200"},
		{`{"name": "a\u0000b"}`, "name", "control character"},
		{`{"contact": "line\nbreak"}`, "contact", "control character"},
		{`{"accent": "blue"}`, "accent", `"blue" is not a colour: write it as #RRGGBB`},
		{`{"accent": "#FFF"}`, "accent", "is not a colour"},
		{`{"accent": "#GG0000"}`, "accent", "is not a colour"},
		{`{"logo": "https://example.com/logo.png"}`, "logo", "must be a data: URL"},
		{`{"logo": "data:image/svg+xml;base64,` + base64.StdEncoding.EncodeToString([]byte(svg)) + `"}`, "logo", "SVG image, which is not accepted"},
		{`{"logo": "data:image/png;base64,` + base64.StdEncoding.EncodeToString([]byte(svg)) + `"}`, "logo", "holds an SVG image"},
		{`{"logo": "data:image/gif;base64,R0lGODlh"}`, "logo", `declares "image/gif"`},
		{`{"logo": "data:image/png,abc"}`, "logo", "must be base64"},
		{`{"logo": "data:image/png;base64,!!!"}`, "logo", "not valid base64"},
		{`{"logo": "data:image/png;base64,` + base64.StdEncoding.EncodeToString([]byte("hello")) + `"}`, "logo", "is not a PNG or JPEG"},
		{`{"logo": 5}`, "logo", "must be a string"},
		{`{"services": []}`, "services", "must be an object"},
		{`{"services": {"Billing": {"accent": "red"}}}`, "services.Billing.accent", "is not a colour"},
		{`{"services": {"Billing": {"services": {}}}}`, "services.Billing.services", "only the document has services"},
		{`{"services": {"Billing": 5}}`, "services.Billing", "must be an object"},
		{`{"services": {" ": {}}}`, "services. ", "a service's name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.body[:min(len(tt.body), 40)], func(t *testing.T) {
			t.Parallel()
			_, err := brand.Decode([]byte(tt.body))
			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestLogosAreCheckedByTheirBytes(t *testing.T) {
	t.Parallel()
	l, err := brand.ParseLogo(dataURL("image/jpeg", jpegOf(t, 64, 32)))
	require.NoError(t, err)
	require.Equal(t, brand.TypeJPEG, l.Type)
	require.Regexp(t, `\.jpg$`, l.File())

	_, err = brand.ParseLogo(dataURL("image/png", jpegOf(t, 8, 8)))
	require.ErrorContains(t, err, "declares image/png but holds a image/jpeg image")

	_, err = brand.ParseLogo(dataURL("image/png", pngOf(t, 2049, 1)))
	require.ErrorContains(t, err, "is 2049×1 pixels; at most 2048")

	truncated := pngOf(t, 64, 64)
	_, err = brand.ParseLogo(dataURL("image/png", truncated[:len(truncated)-20]))
	require.ErrorContains(t, err, "is not a readable image/png image")

	big := make([]byte, brand.MaxLogoBytes+1)
	copy(big, pngOf(t, 1, 1))
	_, err = brand.ParseLogo(dataURL("image/png", big))
	require.ErrorContains(t, err, "is larger than 100 KiB")

	stored, err := brand.NewLogo(l.Type, l.Data)
	require.NoError(t, err)
	require.Equal(t, l, stored)
	require.Equal(t, dataURL("image/jpeg", l.Data), l.DataURL())
}

func TestParseFileTakesOnlyLogoNames(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("ab", 16) + ".png"
	id, typ, ok := brand.ParseFile(name)
	require.True(t, ok)
	require.Equal(t, name, id)
	require.Equal(t, brand.TypePNG, typ)
	for _, bad := range []string{"", "x.png", strings.Repeat("AB", 16) + ".png", strings.Repeat("ab", 16) + ".svg", "../" + name, strings.Repeat("ab", 16)} {
		_, _, ok := brand.ParseFile(bad)
		require.False(t, ok, bad)
	}
}
