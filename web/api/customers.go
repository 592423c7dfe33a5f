package api

import "net/http"

// eraseCustomer is DELETE /v1/customers/{id}: it erases what ccflow
// stores about the customer and answers what it erased, with counts.
// Erasing a customer ccflow does not know is 200 with zeros, never 404:
// the caller wants to know the data is gone, and it is.
func (s *server) eraseCustomer(w http.ResponseWriter, r *http.Request) error {
	erased, err := s.Service.EraseCustomer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, erased)
	return nil
}
