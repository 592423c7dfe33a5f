package activities

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
)

// observeSend makes one provider call as a span of its own ("send email",
// "send sms", under the activity's span when tracing is on) and counts its
// outcome, so the provider's share of a send is visible and
// ccflow_sends_total says how sends end.
func (a *Activities) observeSend(ctx context.Context, d store.Delivery, send func(context.Context, store.Delivery) (string, error)) (string, error) {
	channel := d.Channel
	ctx, span := otel.Tracer("github.com/ccflow/ccflow/activities").Start(ctx, "send "+channel,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attribute.String("ccflow.channel", channel)))
	defer span.End()
	providerID, err := send(ctx, d)
	switch {
	case err == nil:
		a.Metrics.Send(channel, telemetry.SendSent)
	case errors.Is(err, providers.ErrRejected):
		a.Metrics.Send(channel, telemetry.SendRejected)
		span.SetStatus(codes.Error, "rejected")
	default:
		a.Metrics.Send(channel, telemetry.SendFailed)
		span.SetStatus(codes.Error, "failed")
	}
	// The error itself stays out of the span: a provider's message may name
	// the recipient, and traces leave ccflow for the tracing backend.
	return providerID, err
}
