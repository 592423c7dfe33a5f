package activities

import (
	"context"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// SendSMS sends one SMS at most once per idempotency key (see deliverOnce
// for the one gap left).
func (a *Activities) SendSMS(ctx context.Context, in workflows.SMSInput) (workflows.Delivery, error) {
	m := providers.SMS{To: in.To, Body: in.Text}
	rec := store.Delivery{Key: in.Key, WorkflowID: in.WorkflowID, StepID: in.StepID, Channel: workflows.ChannelSMS, Recipient: in.To}
	return a.deliverOnce(ctx, rec, func(ctx context.Context) (string, error) {
		return a.SMS.Send(ctx, m)
	})
}
