package activities

import (
	"context"
	"strings"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// SendSMS sends one SMS at most once per idempotency key, as the contact
// policy allows (see deliverOnce). Every SMS asks the provider to report
// its delivery status to StatusCallbackPath.
func (a *Activities) SendSMS(ctx context.Context, in workflows.SMSInput) (workflows.Delivery, error) {
	req := sendRequest{key: in.Key, workflowID: in.WorkflowID, stepID: in.StepID, channel: workflows.ChannelSMS, to: in.To, contact: in.Contact}
	return a.deliverOnce(ctx, req, func(ctx context.Context, _ store.Delivery) (string, error) {
		m := providers.SMS{To: in.To, Body: in.Text}
		if a.PublicURL != "" {
			m.StatusCallback = strings.TrimRight(a.PublicURL, "/") + StatusCallbackPath
		}
		return a.SMS.Send(ctx, m)
	})
}
