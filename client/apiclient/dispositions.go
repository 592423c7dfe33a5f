package apiclient

import (
	"context"
	"fmt"
	"net/http"

	"github.com/ccflow/ccflow/core/entry"
)

// Catalog returns the disposition catalog the server validates entries
// against.
func (c *Client) Catalog(ctx context.Context) (entry.Catalog, error) {
	var catalog entry.Catalog
	if err := c.do(ctx, http.MethodGet, "/v1/dispositions", nil, &catalog); err != nil {
		return entry.Catalog{}, fmt.Errorf("reading the disposition catalog: %w", err)
	}
	return catalog, nil
}
