//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/console).

package console

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/brand"
)

// postMultipart posts form and files as a browser posts a form with file
// fields.
func (c *testConsole) postMultipart(path string, form url.Values, files map[string][]byte) (*http.Response, []byte) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(c.t, mw.WriteField(k, v))
		}
	}
	for field, data := range files {
		w, err := mw.CreateFormFile(field, "logo.png")
		require.NoError(c.t, err)
		_, err = w.Write(data)
		require.NoError(c.t, err)
	}
	require.NoError(c.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, c.server.URL+path, &body)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.client.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, data
}

func logoPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, 30, 10))))
	return b.Bytes()
}

func TestTheBrandScreenSavesTheBrandAndItsLogo(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, page := c.do(http.MethodGet, "/console/brand", nil)
	form := formOf(t, page, "/console/brand")
	form.Set("default.name", "Acme Support")
	form.Set("default.accent", "#ffff00")
	form.Set("default.contact", "Call us at +1 555 0100")

	resp, _ := c.postMultipart("/console/brand", form, map[string][]byte{"default.logo": logoPNG(t)})

	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	d, err := c.service.BrandDocumentFor(context.Background())
	require.NoError(t, err)
	require.Equal(t, "Acme Support", d.Name)
	require.Equal(t, "#FFFF00", d.Accent)
	require.NotNil(t, d.Logo)
	require.Equal(t, logoPNG(t), d.Logo.Data)

	// Saved again without a new file, the logo stays.
	_, page = c.do(http.MethodGet, "/console/brand", nil)
	require.Contains(t, string(page), `src="/brand/logo/`+d.Logo.File()+`"`)
	require.Contains(t, string(page), "text on it 19.6:1", "yellow takes black text")
	form = formOf(t, page, "/console/brand")
	form.Set("default.contact", "Write to help@acme.example")
	resp, _ = c.postMultipart("/console/brand", form, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	again, err := c.service.BrandDocumentFor(context.Background())
	require.NoError(t, err)
	require.Equal(t, d.Logo, again.Logo)
	require.Equal(t, "Write to help@acme.example", again.Contact)
}

func TestTheBrandScreenShowsProblemsBesideTheirFields(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, err := c.service.SaveBrandDocument(context.Background(), brand.Document{Services: map[string]brand.Brand{"Billing Support": {}}})
	require.NoError(t, err)
	_, page := c.do(http.MethodGet, "/console/brand", nil)
	form := formOf(t, page, "/console/brand")
	require.Equal(t, "Billing Support", form.Get("s1.service"))
	form.Set("s1.accent", "blue")
	form.Set("default.name", "Acme")

	resp, body := c.postMultipart("/console/brand", form, map[string][]byte{
		"default.logo": []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)})

	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	text := string(body)
	require.Contains(t, text, `id="f-default-logo-error"`)
	require.Contains(t, text, "holds an SVG image, which is not accepted")
	d, err := c.service.BrandDocumentFor(context.Background())
	require.NoError(t, err)
	require.Empty(t, d.Name, "nothing was saved")

	resp, body = c.postMultipart("/console/brand", form, nil)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(body), `<div class="field-error" id="f-s1-accent-error"><p>&#34;blue&#34; is not a colour`)
	require.Contains(t, string(body), "Brand of Billing Support · Accent colour")
}

func TestAServiceGetsABrandOfItsOwnAndLosesIt(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, page := c.do(http.MethodGet, "/console/brand", nil)
	add := formOf(t, page, "/console/brand/services")
	add.Set("service", "Claims")

	resp, _ := c.do(http.MethodPost, "/console/brand/services", add)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = c.do(http.MethodGet, "/console/brand", nil)
	require.Contains(t, string(page), "Brand of Claims")

	form := formOf(t, page, "/console/brand")
	form.Set("s1.name", "Acme Claims")
	resp, _ = c.postMultipart("/console/brand", form, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	d, err := c.service.BrandDocumentFor(context.Background())
	require.NoError(t, err)
	require.Equal(t, "Acme Claims", d.Services["Claims"].Name)

	_, page = c.do(http.MethodGet, "/console/brand", nil)
	form = formOf(t, page, "/console/brand")
	form.Set("s1.remove", "1")
	resp, _ = c.postMultipart("/console/brand", form, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	d, err = c.service.BrandDocumentFor(context.Background())
	require.NoError(t, err)
	require.Empty(t, d.Services)
	require.False(t, strings.Contains(string(page), "Brand of Sales"))
}
