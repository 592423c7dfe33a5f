package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/policy"
)

// contact is what the send activity needs to apply the contact policy to
// a message of this run to the address to.
func (r *run) contact(ctx workflow.Context, channel, to string, survey bool) *Contact {
	e := r.in.Event
	c := &Contact{
		Service:                e.Service,
		EntryID:                r.in.Entry.ID,
		InteractionID:          e.InteractionID,
		QuietHours:             r.in.Entry.QuietHours,
		CancelOnNewInteraction: r.in.Entry.CancelOnNewInteraction,
		Survey:                 survey,
		RunStartedAt:           workflow.GetInfo(ctx).WorkflowStartTime,
	}
	if cu := e.Customer; cu != nil {
		c.CustomerID, c.TimeZone = cu.ID, cu.TimeZone
		own := cu.Email
		if channel == ChannelSMS {
			own = cu.Phone
		}
		// Parsing an address is pure; workflowcheck only sees net/mail's
		// parser state.
		//workflowcheck:ignore
		c.Recipient = sameAddress(channel, to, own)
	}
	return c
}

// sameAddress tells whether two addresses are one once normalized.
func sameAddress(channel, a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	na, errA := policy.NormalizeAddress(channel, a)
	nb, errB := policy.NormalizeAddress(channel, b)
	return errA == nil && errB == nil && na == nb
}

// takeContactedAgain ends the run, completed, when the signal says
// another interaction of its customer ended and its entry says
// cancel_on_new_interaction: every step still running is stopped, so
// nothing more is sent. Other runs ignore the signal.
func (r *run) takeContactedAgain(ctx workflow.Context, sig CustomerContactedAgain) {
	if !r.in.Entry.CancelOnNewInteraction || sig.InteractionID == "" || sig.InteractionID == r.in.Event.InteractionID {
		return
	}
	if r.contactedAgain == "" {
		r.contactedAgain = policy.ContactedAgainReason(sig.InteractionID)
		workflow.GetLogger(ctx).Info("The customer contacted us again; ending the run", "interaction", sig.InteractionID)
		r.stop()
	}
}
