package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Match statuses, as the API reports them.
const (
	StatusStarted        = "started"
	StatusAlreadyStarted = "already_started"
	StatusWouldStart     = "would_start"
)

// Ingested is the API's answer to an ended interaction.
type Ingested struct {
	InteractionID string  `json:"interaction_id"`
	Matches       []Match `json:"matches"`
}

// Match is one entry an event matched and what became, or would become,
// of its run.
type Match struct {
	EntryID      string `json:"entry_id"`
	EntryVersion int    `json:"entry_version"`
	// Trigger says which of the entry's triggers held, such as
	// `disposition = "Problem solved"`.
	Trigger    string `json:"trigger"`
	WorkflowID string `json:"workflow_id"`
	// RunID is empty for StatusWouldStart.
	RunID  string `json:"run_id,omitempty"`
	Status string `json:"status"`
}

// Ingest posts event (the JSON of an ended interaction, sent as is) and
// returns the runs it started, or found already started.
func (c *Client) Ingest(ctx context.Context, event json.RawMessage) (Ingested, error) {
	var res Ingested
	if err := c.do(ctx, http.MethodPost, "/v1/interactions/ended", []byte(event), &res); err != nil {
		return Ingested{}, fmt.Errorf("posting an ended interaction: %w", err)
	}
	return res, nil
}

// DryRun posts event (the JSON of an ended interaction, sent as is so the
// server judges exactly what the backend would send) with ?dry_run=true:
// the answer says which entries match and starts nothing.
func (c *Client) DryRun(ctx context.Context, event json.RawMessage) (Ingested, error) {
	var res Ingested
	if err := c.do(ctx, http.MethodPost, "/v1/interactions/ended?dry_run=true", []byte(event), &res); err != nil {
		return Ingested{}, fmt.Errorf("matching an event (dry run): %w", err)
	}
	return res, nil
}
