//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/usecase"
)

// pngDataURL is a small PNG as a data: URL.
func pngDataURL(t *testing.T, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for x := range 16 {
		for y := range 8 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestTheBrandIsReadAndReplaced(t *testing.T) {
	a := newTestAPI(t)
	none := decode[usecase.BrandDocument](t, a.call(http.MethodGet, "/v1/brand", nil), http.StatusOK)
	require.Equal(t, usecase.BrandDocument{Services: map[string]usecase.BrandView{}}, none)

	logo := pngDataURL(t, color.RGBA{B: 255, A: 255})
	doc := fmt.Sprintf(`{"name": "Acme Support", "logo": %q, "accent": "#0b5fff", "contact": "Call us at +1 555 0100",
		"services": {"Billing Support": {"name": "Acme Billing", "accent": "#FFFF00"}}}`, logo)
	saved := decode[usecase.BrandDocument](t, a.call(http.MethodPut, "/v1/brand", doc), http.StatusOK)
	require.Equal(t, "Acme Support", saved.Name)
	require.Equal(t, "#0B5FFF", saved.Accent)
	require.Equal(t, logo, saved.Logo, "the logo comes back as it was given")
	require.Regexp(t, `^/brand/logo/[0-9a-f]{32}\.png$`, saved.LogoURL)
	require.Equal(t, usecase.BrandView{Name: "Acme Billing", Accent: "#FFFF00"}, saved.Services["Billing Support"])
	require.False(t, saved.UpdatedAt.IsZero())

	got := decode[usecase.BrandDocument](t, a.call(http.MethodGet, "/v1/brand", nil), http.StatusOK)
	require.Equal(t, saved, got)

	// What GET answered can be written back as it is.
	roundTrip := decode[usecase.BrandDocument](t, a.call(http.MethodPut, "/v1/brand", a.call(http.MethodGet, "/v1/brand", nil).Body.String()), http.StatusOK)
	require.Equal(t, got.BrandView, roundTrip.BrandView)
}

func TestTheLogoIsServedForEverAtItsURL(t *testing.T) {
	a := newTestAPI(t)
	saved := decode[usecase.BrandDocument](t, a.call(http.MethodPut, "/v1/brand",
		fmt.Sprintf(`{"logo": %q}`, pngDataURL(t, color.RGBA{R: 255, A: 255}))), http.StatusOK)

	rec := a.do(http.MethodGet, saved.LogoURL, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "image/png", rec.Header().Get("Content-Type"))
	require.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "sandbox")
	want, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(saved.Logo, "data:image/png;base64,"))
	require.NoError(t, err)
	require.Equal(t, want, rec.Body.Bytes())

	cached := a.do(http.MethodGet, saved.LogoURL, "", "If-None-Match", rec.Header().Get("ETag"))
	require.Equal(t, http.StatusNotModified, cached.Code)

	// A new logo has a new URL; the old one is gone with it.
	again := decode[usecase.BrandDocument](t, a.call(http.MethodPut, "/v1/brand",
		fmt.Sprintf(`{"logo": %q}`, pngDataURL(t, color.RGBA{G: 255, A: 255}))), http.StatusOK)
	require.NotEqual(t, saved.LogoURL, again.LogoURL)
	requireError(t, a.do(http.MethodGet, saved.LogoURL, ""), http.StatusNotFound)
	for _, path := range []string{"/brand/logo/nothing.png", "/brand/logo/" + strings.Repeat("0", 32) + ".svg", "/brand/logo/..%2Fsecret"} {
		requireError(t, a.do(http.MethodGet, path, ""), http.StatusNotFound)
	}
}

func TestBadBrandInputIsA400NamingTheField(t *testing.T) {
	a := newTestAPI(t)
	svg := base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`))
	tests := []struct{ body, field, message string }{
		{`{"accent": "#FFFF0"}`, "accent", `"#FFFF0" is not a colour`},
		{`{"accent": "yellow"}`, "accent", "write it as #RRGGBB"},
		{`{"logo": "data:image/svg+xml;base64,` + svg + `"}`, "logo", "SVG image, which is not accepted"},
		{`{"logo": "https://example.com/logo.png"}`, "logo", "must be a data: URL"},
		{`{"name": "` + strings.Repeat("n", 201) + `"}`, "name", "at most 200"},
		{`{"name": "a\u0000b"}`, "name", "control character"},
		{`{"contact": 7}`, "contact", "must be a string"},
		{`{"colour": "#000000"}`, "colour", "unknown field"},
		{`{"services": {"Billing Support": {"accent": "#12345G"}}}`, "services.Billing Support.accent", "is not a colour"},
		{`{"services": {"Billing Support": {"logo": "data:image/png;base64,AAAA"}}}`, "services.Billing Support.logo", "is not a PNG or JPEG"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			e := requireError(t, a.call(http.MethodPut, "/v1/brand", tt.body), http.StatusBadRequest)
			require.Equal(t, tt.field, e.Field)
			require.Contains(t, e.Message, tt.message)
		})
	}
	requireError(t, a.do(http.MethodPut, "/v1/brand", `{}`, "Authorization", "Bearer "+apiToken, "Content-Type", "text/plain"),
		http.StatusUnsupportedMediaType)
	requireError(t, a.do(http.MethodPut, "/v1/brand", `{}`, "Content-Type", "application/json"), http.StatusUnauthorized)
}
