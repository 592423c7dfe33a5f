package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ccflow/ccflow/core/results"
)

// Results is the answer of GET /v1/results.
type Results struct {
	From    time.Time       `json:"from"`
	To      time.Time       `json:"to"`
	TZ      string          `json:"tz"`
	GroupBy []results.Dim   `json:"group_by"`
	Groups  []results.Group `json:"groups"`
	Totals  results.Figures `json:"totals"`
}

// Results returns the results query asks for: its parameters are those of
// GET /v1/results (from, to, tz, group_by and the filters).
func (c *Client) Results(ctx context.Context, query url.Values) (Results, error) {
	var r Results
	if err := c.do(ctx, http.MethodGet, "/v1/results?"+query.Encode(), nil, &r); err != nil {
		return Results{}, fmt.Errorf("reading the results: %w", err)
	}
	return r, nil
}
