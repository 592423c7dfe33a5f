package api

import (
	"net/http"

	"github.com/ccflow/ccflow/usecase"
)

// listDispositions answers the catalog entries are validated against.
func (s *server) listDispositions(w http.ResponseWriter, r *http.Request) error {
	catalog, err := s.Service.Catalog(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, catalog)
	return nil
}

// addDisposition extends the catalog; adding one already there is not an
// error, so a contact center can replay its setup.
func (s *server) addDisposition(w http.ResponseWriter, r *http.Request) error {
	var d usecase.Disposition
	if err := decodeJSON(w, r, &d); err != nil {
		return err
	}
	added, err := s.Service.AddDisposition(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, added)
	return nil
}
