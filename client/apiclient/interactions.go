package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ccflow/ccflow/core/interaction"
)

// Ingest posts event (the JSON of an ended interaction, sent as is) and
// returns the runs it started, or found already started.
func (c *Client) Ingest(ctx context.Context, event json.RawMessage) (interaction.Result, error) {
	var res interaction.Result
	if err := c.do(ctx, http.MethodPost, "/v1/interactions/ended", []byte(event), &res); err != nil {
		return interaction.Result{}, fmt.Errorf("posting an ended interaction: %w", err)
	}
	return res, nil
}

// DryRun posts event (the JSON of an ended interaction, sent as is so the
// server judges exactly what the backend would send) with ?dry_run=true:
// the answer says which entries match and starts nothing.
func (c *Client) DryRun(ctx context.Context, event json.RawMessage) (interaction.Result, error) {
	var res interaction.Result
	if err := c.do(ctx, http.MethodPost, "/v1/interactions/ended?dry_run=true", []byte(event), &res); err != nil {
		return interaction.Result{}, fmt.Errorf("matching an event (dry run): %w", err)
	}
	return res, nil
}
