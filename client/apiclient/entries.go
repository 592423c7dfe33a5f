package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/etag"
)

// Entries returns every live entry at its current version, sorted by id.
func (c *Client) Entries(ctx context.Context) ([]entry.Entry, error) {
	var list struct {
		Entries []entry.Entry `json:"entries"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/entries", nil, &list); err != nil {
		return nil, fmt.Errorf("listing entries: %w", err)
	}
	return list.Entries, nil
}

// Entry returns the current version of the live entry id.
func (c *Client) Entry(ctx context.Context, id string) (entry.Entry, error) {
	var e entry.Entry
	if err := c.do(ctx, http.MethodGet, entryPath(id), nil, &e); err != nil {
		return entry.Entry{}, fmt.Errorf("reading entry %s: %w", id, err)
	}
	return e, nil
}

// CreateEntry creates e and returns it as stored, with its version.
func (c *Client) CreateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	var created entry.Entry
	if err := c.do(ctx, http.MethodPost, "/v1/entries", e.Definition(), &created); err != nil {
		return entry.Entry{}, fmt.Errorf("creating entry %s: %w", e.ID, err)
	}
	return created, nil
}

// UpdateEntry stores e as the next version of the live entry with e's id
// and returns it as stored. When e.Version is set, the update is made only
// while the live entry is still at that version (If-Match with its ETag):
// a change made since fails with a 412, IsStale, and is not overwritten.
func (c *Client) UpdateEntry(ctx context.Context, e entry.Entry) (entry.Entry, error) {
	var updated entry.Entry
	if err := c.doWith(ctx, http.MethodPut, entryPath(e.ID), ifMatch(e.ID, e.Version), e.Definition(), &updated); err != nil {
		return entry.Entry{}, fmt.Errorf("updating entry %s: %w", e.ID, err)
	}
	return updated, nil
}

// DeleteEntry deletes the live entry id; runs it started keep running.
// A version other than 0 deletes it only while it is at that version, as
// UpdateEntry does.
func (c *Client) DeleteEntry(ctx context.Context, id string, version int) error {
	if err := c.doWith(ctx, http.MethodDelete, entryPath(id), ifMatch(id, version), nil, nil); err != nil {
		return fmt.Errorf("deleting entry %s: %w", id, err)
	}
	return nil
}

func entryPath(id string) string { return "/v1/entries/" + url.PathEscape(id) }

// ifMatch is the If-Match header of a write over version of entry id; none
// for version 0.
func ifMatch(id string, version int) http.Header {
	if version == 0 {
		return nil
	}
	return http.Header{"If-Match": {etag.Entry(id, version)}}
}
