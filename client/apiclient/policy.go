package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// SetPolicy replaces the contact policy with doc (SPEC's policy document)
// and returns the policy in force, as the server normalized it.
func (c *Client) SetPolicy(ctx context.Context, doc json.RawMessage) (json.RawMessage, error) {
	var saved json.RawMessage
	if err := c.do(ctx, http.MethodPut, "/v1/policy", []byte(doc), &saved); err != nil {
		return nil, fmt.Errorf("saving the contact policy: %w", err)
	}
	return saved, nil
}
