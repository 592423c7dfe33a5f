package workflows

import (
	"cmp"

	"go.temporal.io/sdk/workflow"
)

// cancellation says who canceled the run: the caller named by the
// CancelRequestSignal the starter sends just before it cancels, or an
// operator of the Web UI or CLI when no such signal came.
func (r *run) cancellation(ctx workflow.Context) *Cancellation {
	c := &Cancellation{By: OperatorOutsideCcflow, At: workflow.Now(ctx)}
	var req CancelRequest
	if workflow.GetSignalChannel(ctx, CancelRequestSignal).ReceiveAsync(&req) {
		c.By, c.Reason = cmp.Or(req.By, OperatorOutsideCcflow), req.Reason
	}
	return c
}
