package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// SendEmail sends one email at most once per idempotency key (see
// deliverOnce for the one gap left).
func (a *Activities) SendEmail(ctx context.Context, in workflows.EmailInput) (workflows.Delivery, error) {
	m := providers.Email{
		MessageID: MessageID(in.Key),
		From:      a.From,
		To:        in.To,
		Subject:   in.Subject,
		Text:      in.Text,
		HTML:      in.HTML,
	}
	rec := store.Delivery{Key: in.Key, WorkflowID: in.WorkflowID, StepID: in.StepID, Channel: workflows.ChannelEmail, Recipient: in.To}
	return a.deliverOnce(ctx, rec, func(ctx context.Context) (string, error) {
		return a.Mailer.Send(ctx, m)
	})
}

// MessageID derives an email's Message-ID from its idempotency key, so that
// a message sent twice through the gap deliverOnce documents carries the
// same Message-ID both times.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:])[:32] + "@ccflow>"
}
