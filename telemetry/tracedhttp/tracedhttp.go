// Package tracedhttp instruments the HTTP clients of the providers (Twilio,
// http_request steps), so each request appears as a span of the activity
// that made it. It is apart from package telemetry because the providers
// may link no Temporal package, and telemetry wires Temporal's.
package tracedhttp

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
)

// Transport instruments base (nil: http.DefaultTransport). With propagate,
// the trace goes on in the server called (a traceparent header); leave it
// off for servers outside the organization, which need not learn trace
// ids. It uses OpenTelemetry's global tracer provider, which
// telemetry.Setup sets; until then it records nothing.
func Transport(base http.RoundTripper, propagate bool) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	// ccflow_http_request_duration_seconds is about requests served; calls
	// made are timed by their spans and the activities' metrics.
	opts := []otelhttp.Option{otelhttp.WithMeterProvider(noop.NewMeterProvider())}
	if !propagate {
		opts = append(opts, otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()))
	}
	return otelhttp.NewTransport(base, opts...)
}
