//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// logoOf is a small PNG logo in one colour, checked as PUT /v1/brand
// checks it.
func logoOf(t *testing.T, c color.RGBA) *brand.Logo {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for x := range 8 {
		for y := range 4 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	logo, err := brand.ParseLogo("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
	require.NoError(t, err)
	return logo
}

func TestTheBrandIsNoneUntilSaved(t *testing.T) {
	s := testenv.Store(t)

	d, at, err := s.Brand(context.Background())

	require.NoError(t, err)
	require.True(t, d.IsZero())
	require.True(t, at.IsZero())
}

func TestTheBrandIsKeptWithItsLogosAndReplacedWhole(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()
	blue, red := logoOf(t, color.RGBA{B: 255, A: 255}), logoOf(t, color.RGBA{R: 255, A: 255})
	first := brand.Document{
		Brand:    brand.Brand{Name: "Acme Support", Logo: blue, Accent: "#0B5FFF", Contact: "Call us at +1 555 0100"},
		Services: map[string]brand.Brand{"Billing Support": {Name: "Acme Billing", Logo: red}, "Sales": {Accent: "#FFFF00"}},
	}
	saved, err := s.SaveBrand(ctx, first)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), saved, time.Minute)

	got, at, err := s.Brand(ctx)
	require.NoError(t, err)
	require.Equal(t, first, got)
	require.True(t, saved.Equal(at))
	for _, l := range []*brand.Logo{blue, red} {
		stored, err := s.BrandLogo(ctx, l.File())
		require.NoError(t, err)
		require.Equal(t, l, stored)
	}

	second := brand.Document{Brand: brand.Brand{Name: "Acme", Logo: red}}
	_, err = s.SaveBrand(ctx, second)
	require.NoError(t, err)
	got, _, err = s.Brand(ctx)
	require.NoError(t, err)
	require.Equal(t, second, got, "a save replaces the whole document")
	_, err = s.BrandLogo(ctx, blue.File())
	require.True(t, errors.Is(err, store.ErrNotFound), "a logo no brand shows any more is deleted: %v", err)
	_, err = s.BrandLogo(ctx, red.File())
	require.NoError(t, err, "the logo still shown stays")

	_, err = s.SaveBrand(ctx, brand.Document{})
	require.NoError(t, err)
	_, err = s.BrandLogo(ctx, red.File())
	require.True(t, errors.Is(err, store.ErrNotFound))
}

func TestASurveyKeepsItsRunsLanguageAndService(t *testing.T) {
	s := testenv.Store(t)
	sv := newSurvey("wf/lang/survey", "tok-lang", 24*time.Hour)
	sv.Language, sv.Service = "es-MX", "Billing Support"
	createSurvey(t, s, sv)

	got, err := s.SurveyByToken(context.Background(), "tok-lang")

	require.NoError(t, err)
	require.Equal(t, "es-MX", got.Language)
	require.Equal(t, "Billing Support", got.Service)
}
