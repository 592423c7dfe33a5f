package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/etag"
	"github.com/ccflow/ccflow/usecase"
)

// entryList is the body of GET /v1/entries.
type entryList struct {
	Entries []entry.Entry `json:"entries"`
}

func (s *server) listEntries(w http.ResponseWriter, r *http.Request) error {
	entries, err := s.Service.Entries(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, entryList{Entries: entries})
	return nil
}

// getEntry answers the current version, or the one ?version=N names: what
// a past run was started from, even after the entry was deleted.
func (s *server) getEntry(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var (
		e   entry.Entry
		err error
	)
	if v := r.URL.Query().Get("version"); v != "" {
		version, convErr := strconv.Atoi(v)
		if convErr != nil || version < 1 {
			return errField("version", "%q is not a version number (1, 2, …)", v)
		}
		e, err = s.Service.EntryVersion(r.Context(), id, version)
	} else {
		e, err = s.Service.Entry(r.Context(), id)
	}
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag.Entry(e.ID, e.Version))
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *server) createEntry(w http.ResponseWriter, r *http.Request) error {
	e, err := readEntry(w, r)
	if err != nil {
		return err
	}
	created, err := s.Service.CreateEntry(r.Context(), e)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/entries/"+url.PathEscape(created.ID))
	w.Header().Set("ETag", etag.Entry(created.ID, created.Version))
	writeJSON(w, http.StatusCreated, created)
	return nil
}

// updateEntry stores a new version of the entry; the body's id may be left
// out but must not name another entry than the URL. With If-Match, only
// over the version the client read (412 otherwise).
func (s *server) updateEntry(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ifVersion, err := ifMatch(r, id)
	if err != nil {
		return err
	}
	e, err := readEntry(w, r)
	if err != nil {
		return err
	}
	if e.ID != "" && e.ID != id {
		return errField("id", "%q does not match the entry in the URL (%q); an entry's id cannot change", e.ID, id)
	}
	e.ID = id
	updated, err := s.Service.UpdateEntry(r.Context(), e, ifVersion)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag.Entry(updated.ID, updated.Version))
	writeJSON(w, http.StatusOK, updated)
	return nil
}

// deleteEntry deletes the entry; with If-Match, only the version the
// client read (412 otherwise).
func (s *server) deleteEntry(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ifVersion, err := ifMatch(r, id)
	if err != nil {
		return err
	}
	if err := s.Service.DeleteEntry(r.Context(), id, ifVersion); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ifMatch reads the request's If-Match header as the version of entry id a
// write may go over: usecase.AnyVersion without one or with *, else the
// version its tags name (0, which no entry has, when they name none of this
// entry's).
func ifMatch(r *http.Request, id string) (int, error) {
	header := r.Header.Get("If-Match")
	if header == "" {
		return usecase.AnyVersion, nil
	}
	cond, ok := etag.ParseIfMatch(header)
	if !ok {
		return 0, errField("If-Match", "%q is not * or a list of entity tags such as %s", header, etag.Entry("an-entry", 1))
	}
	if cond.Any {
		return usecase.AnyVersion, nil
	}
	return cond.Version(id), nil
}

// readEntry decodes the entry in a request body.
func readEntry(w http.ResponseWriter, r *http.Request) (entry.Entry, error) {
	data, err := readJSONBody(w, r)
	if err != nil {
		return entry.Entry{}, err
	}
	return entry.Decode(data)
}
