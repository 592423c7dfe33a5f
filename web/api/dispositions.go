package api

import (
	"net/http"
	"strings"
)

// disposition is the body of POST /v1/dispositions.
type disposition struct {
	// Scope is "interaction" or "case" (a non-final case disposition).
	Scope string `json:"scope"`
	Name  string `json:"name"`
}

// listDispositions answers the catalog entries are validated against.
func (s *server) listDispositions(w http.ResponseWriter, r *http.Request) error {
	catalog, err := s.Store.Catalog(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, catalog)
	return nil
}

// addDisposition extends the catalog; adding one already there is not an
// error, so a contact center can replay its setup.
func (s *server) addDisposition(w http.ResponseWriter, r *http.Request) error {
	var d disposition
	if err := decodeJSON(w, r, &d); err != nil {
		return err
	}
	d.Name = strings.TrimSpace(d.Name)
	if err := s.Store.AddDisposition(r.Context(), d.Scope, d.Name); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}
