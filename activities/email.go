package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// SendEmail sends one email at most once per idempotency key, as the
// contact policy allows (see deliverOnce). Every email carries a one-click
// unsubscribe link (RFC 8058).
func (a *Activities) SendEmail(ctx context.Context, in workflows.EmailInput) (workflows.Delivery, error) {
	req := sendRequest{key: in.Key, workflowID: in.WorkflowID, stepID: in.StepID, channel: workflows.ChannelEmail, to: in.To, contact: in.Contact}
	return a.deliverOnce(ctx, req, func(ctx context.Context, d store.Delivery) (string, error) {
		return a.Mailer.Send(ctx, providers.Email{
			MessageID:       MessageID(in.Key),
			From:            a.From,
			To:              in.To,
			Subject:         in.Subject,
			Text:            in.Text,
			HTML:            in.HTML,
			ListUnsubscribe: a.unsubscribeURL(workflows.ChannelEmail, d.AddressHash),
		})
	})
}

// MessageID derives an email's Message-ID from its idempotency key, so that
// a message sent twice through the gap deliverOnce documents carries the
// same Message-ID both times.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:])[:32] + "@ccflow>"
}
