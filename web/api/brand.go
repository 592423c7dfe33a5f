package api

import (
	"net/http"
	"strconv"

	"github.com/ccflow/ccflow/core/brand"
)

// getBrand is GET /v1/brand: the brand document.
func (s *server) getBrand(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Service.Brand(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// putBrand is PUT /v1/brand: the whole document, checked strictly; each
// mistake is a 400 naming its field.
func (s *server) putBrand(w http.ResponseWriter, r *http.Request) error {
	data, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	d, err := s.Service.SaveBrand(r.Context(), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// brandLogo is GET /brand/logo/{file}: a logo of the brand, public (the
// survey and unsubscribe pages show it), cached for ever since its name
// is its content's hash. It is served as an image that can do nothing
// else: its own type, no sniffing, and a policy that runs nothing in it.
func (s *server) brandLogo(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	logo, err := s.Service.BrandLogo(r.Context(), file)
	if err != nil {
		return err
	}
	_, contentType, _ := brand.ParseFile(file)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(logo.Data)))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+file+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if match := r.Header.Get("If-None-Match"); match == `"`+file+`"` {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(logo.Data)
	}
	return nil
}
