package activities

import (
	"context"
	"strings"

	"github.com/ccflow/ccflow/core/policy"
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
		// The number goes out in E.164, the one form Twilio takes for To
		// and the form its opt-outs and caps are kept under; one that is
		// no phone number goes as written, for the provider to refuse.
		to := in.To
		if n, err := policy.NormalizeAddress(policy.ChannelSMS, in.To); err == nil {
			to = n
		}
		m := providers.SMS{To: to, Body: in.Text}
		if a.PublicURL != "" {
			m.StatusCallback = strings.TrimRight(a.PublicURL, "/") + StatusCallbackPath
		}
		return a.SMS.Send(ctx, m)
	})
}
