// Package telemetry is how ccflow's starter and worker report on
// themselves: Prometheus metrics on /metrics (ccflow's own and the Temporal
// SDK's, one registry), and OpenTelemetry traces that follow one event from
// the HTTP request through the workflow start to the activities and the
// provider calls.
//
// It is wiring, not domain: the use cases and the activities count what
// they do through the nil-safe methods of *Metrics, each from one line, and
// know nothing of Prometheus or OpenTelemetry.
//
// Traces are exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, with the protocol
// OTEL_EXPORTER_OTLP_PROTOCOL names (http/protobuf by default, or grpc);
// the exporters read the rest of the standard OTEL_* variables themselves
// (headers, TLS, timeouts), and OTEL_TRACES_SAMPLER picks the sampler.
// Without an endpoint nothing is traced and nothing is sent anywhere.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"

	"github.com/ccflow/ccflow/buildinfo"
)

// Options say which process is reporting.
type Options struct {
	// Service is the process's name in traces ("ccflow-starter",
	// "ccflow-worker"); OTEL_SERVICE_NAME overrides it.
	Service string
	// Build is the running build, put on every trace as service.version.
	Build buildinfo.Info
	// SpanExporter, when set, receives every span synchronously whatever
	// the environment says; tests use it with an in-memory exporter.
	SpanExporter sdktrace.SpanExporter
}

// Telemetry is one process's metrics and tracing.
type Telemetry struct {
	// Metrics are ccflow's own counters and histograms.
	Metrics *Metrics
	// Registry holds every metric /metrics serves.
	Registry *prometheus.Registry
	// Tracing is true when spans are recorded and exported.
	Tracing bool

	tracerProvider trace.TracerProvider
	meterProvider  *sdkmetric.MeterProvider
	shutdown       []func(context.Context) error
}

// Setup builds the process's telemetry from opts and the OTEL_* environment,
// and makes its tracer provider and propagator OpenTelemetry's globals, so
// that instrumented HTTP clients deeper down (the providers') join the same
// traces. Call Shutdown before the process exits, to flush spans.
func Setup(ctx context.Context, opts Options) (*Telemetry, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	t := &Telemetry{Registry: reg, Metrics: NewMetrics(reg)}

	// The Temporal SDK reports through OpenTelemetry's metric API; this
	// exporter turns those into Prometheus families of the same registry.
	promExporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("setting up the Prometheus exporter: %w", err)
	}
	t.meterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(promExporter), sdkmetric.WithView(secondsBuckets))
	t.shutdown = append(t.shutdown, t.meterProvider.Shutdown)

	exporter := opts.SpanExporter
	if exporter == nil {
		if exporter, err = otlpExporter(ctx); err != nil {
			return nil, err
		}
	}
	if exporter == nil {
		t.tracerProvider = noop.NewTracerProvider()
		return t, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName(opts.Service), semconv.ServiceVersion(opts.Build.Version)))
	if err != nil {
		return nil, fmt.Errorf("describing the process for traces: %w", err)
	}
	// The environment's OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
	if res, err = resource.Merge(res, resource.Environment()); err != nil {
		return nil, fmt.Errorf("reading OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	spanOpt := sdktrace.WithBatcher(exporter)
	if opts.SpanExporter != nil {
		spanOpt = sdktrace.WithSyncer(exporter)
	}
	tp := sdktrace.NewTracerProvider(spanOpt, sdktrace.WithResource(res))
	t.tracerProvider, t.Tracing = tp, true
	t.shutdown = append(t.shutdown, tp.Shutdown)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return t, nil
}

// secondsBuckets gives the SDK's latency histograms (unit "s") buckets in
// seconds: OpenTelemetry's default ones are made for milliseconds. They
// reach from a fast poll to a survey answered a day later.
var secondsBuckets = sdkmetric.NewView(sdkmetric.Instrument{Unit: "s"}, sdkmetric.Stream{
	Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
		Boundaries: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400},
	},
})

// otlpExporter is the OTLP span exporter the environment asks for, or nil
// when no endpoint is set.
func otlpExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, nil
	}
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var (
		exporter sdktrace.SpanExporter
		err      error
	)
	switch protocol {
	case "", "http/protobuf":
		exporter, err = otlptracehttp.New(ctx)
	case "grpc":
		exporter, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: ccflow exports traces over http/protobuf or grpc", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("setting up the OTLP trace exporter (OTEL_EXPORTER_OTLP_*): %w", err)
	}
	return exporter, nil
}

// Tracer returns a tracer of the process's provider, a no-op one when
// tracing is off.
func (t *Telemetry) Tracer(name string) trace.Tracer { return t.tracerProvider.Tracer(name) }

// TracerProvider is the process's tracer provider, a no-op one when
// tracing is off.
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.tracerProvider }

// Temporal adds the SDK's metrics handler and, when tracing is on, its
// tracing interceptor to opts: the starter's spans then carry on into the
// workflow and its activities on the worker, which has the same interceptor.
func (t *Telemetry) Temporal(opts *client.Options) error {
	opts.MetricsHandler = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                t.meterProvider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		// A metric that cannot be recorded must not take the process down.
		OnError: func(error) {},
	})
	if !t.Tracing {
		return nil
	}
	tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            t.tracerProvider.Tracer("temporal-sdk-go"),
		TextMapPropagator: otel.GetTextMapPropagator(),
	})
	if err != nil {
		return fmt.Errorf("setting up Temporal's tracing interceptor: %w", err)
	}
	opts.Interceptors = append([]interceptor.ClientInterceptor{tracing}, opts.Interceptors...)
	return nil
}

// MetricsHandler serves the registry in Prometheus's text format.
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{Registry: t.Registry})
}

// Shutdown flushes the spans not yet exported and stops the providers.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range t.shutdown {
		if err := f(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
