package api

import (
	"net/http"
	"strconv"

	"github.com/ccflow/ccflow/core/interaction"
)

// interactionEnded starts the follow-ups an ended interaction matches;
// ?dry_run=true only says which would start.
func (s *server) interactionEnded(w http.ResponseWriter, r *http.Request) error {
	dryRun := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		var err error
		if dryRun, err = strconv.ParseBool(v); err != nil {
			return errField("dry_run", "%q is not true or false", v)
		}
	}
	var ev interaction.Event
	if err := decodeJSON(w, r, &ev); err != nil {
		return err
	}
	res, err := s.Service.Ingest(r.Context(), ev, dryRun)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
