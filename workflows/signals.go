package workflows

import "go.temporal.io/sdk/workflow"

// watchSignals takes the run's signals as they come, in one coroutine: a
// customer who contacted us again (takeContactedAgain), an event posted
// (takeEvent), a delivery status (noteStatus) and a reply without a number
// (takeUnclearReply). A worker keeps a thousand runs in its cache, most of
// them asleep, and each coroutine is a goroutine whose stack the worker
// holds for as long as the run sleeps: one for the four signals instead
// of one each.
//
// It makes the commands the four coroutines made, which the replay corpus
// proves: they were created one after the other, in this order, and each
// took every value its channel held when the SDK's dispatcher gave it its
// turn; this one, at their place in the turns, drains the channels in the
// same order. Only takeContactedAgain makes commands (the cancellation of
// what the steps wait on), and it still goes first. Like their Receive,
// it does not stop when the run is canceled.
func (r *run) watchSignals(ctx workflow.Context) {
	contacted := workflow.GetSignalChannel(ctx, CustomerContactedAgainSignal)
	posted := workflow.GetSignalChannel(ctx, EventPostedSignal)
	statuses := workflow.GetSignalChannel(ctx, DeliveryStatusSignal)
	unclear := workflow.GetSignalChannel(ctx, UnclearReplySignal)
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool {
				return contacted.Len()+posted.Len()+statuses.Len()+unclear.Len() > 0
			}); err != nil {
				return
			}
			drain(contacted, func(sig CustomerContactedAgain) { r.takeContactedAgain(ctx, sig) })
			drain(posted, r.takeEvent)
			drain(statuses, r.noteStatus)
			drain(unclear, r.takeUnclearReply)
		}
	})
}

// drain takes every value ch holds, each decoded into a zero T (a value
// decoded over the one before would keep the fields the new one lacks).
// A value that does not decode is dropped, as Receive drops it.
func drain[T any](ch workflow.ReceiveChannel, take func(T)) {
	for {
		var v T
		if !ch.ReceiveAsync(&v) {
			return
		}
		take(v)
	}
}
