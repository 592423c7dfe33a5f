package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/ccflow/ccflow/core/interaction"
)

// ingestTimeout bounds one event's ingest, so that with Temporal or
// PostgreSQL down the caller hears 503 soon and retries, instead of
// waiting on a connection that will not come.
const ingestTimeout = 15 * time.Second

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
	ctx, cancel := context.WithTimeout(r.Context(), ingestTimeout)
	defer cancel()
	res, err := s.Ingest.Ingest(ctx, ev, dryRun)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
