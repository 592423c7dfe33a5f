// Package webhook is the pure part of ccflow's events out: which events
// there are and what their data holds, the body a delivery carries, the
// Standard Webhooks signature (webhook-id, webhook-timestamp,
// webhook-signature), the subscription secrets and how they are sealed for
// the store, the allow list of CCFLOW_WEBHOOK_ALLOW, the retry schedule and
// what each answer of a receiver means for it, and how a receiver's answer
// is cut and escaped before anyone is shown it.
//
// It knows nothing of HTTP, SQL or Temporal: the store writes events in the
// transaction of the fact they report, providers send the request, the
// activities record each attempt, and the workflow retries by the schedule
// this package describes.
package webhook
