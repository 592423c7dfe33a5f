package telemetry

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/ccflow/ccflow/telemetry/httpwrap"
)

// Unmatched is the route label of requests no pattern took.
const Unmatched = "unmatched"

// routeKey holds the *route of a request being served.
type routeKey struct{}

// route is the pattern of the innermost ServeMux that took a request,
// written by Routed on its way out.
type route struct{ pattern string }

// Routed wraps a ServeMux so that the pattern it matched is what Handler
// reports the request under (the route label of the HTTP metrics and the
// span's name and http.route). Wrap every mux: with muxes nested (a /v1/
// mux inside the top one) the innermost pattern wins, and it is found even
// when middleware in between replaced the request with a copy.
func Routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if rt, ok := r.Context().Value(routeKey{}).(*route); ok && rt.pattern == "" {
			rt.pattern = r.Pattern // ServeMux set it on the request it was given
		}
	})
}

// HTTPOptions change what Handler records.
type HTTPOptions struct {
	// Server names the process in span names' absence of a route.
	Server string
	// Path returns the path to record on a request's span (url.path); it
	// should hide secrets a path may hold, such as a survey token. Nil
	// records the route pattern instead of the path.
	Path func(*http.Request) string
}

// Handler instruments next: a span per request (when tracing is on),
// continuing the caller's trace from its traceparent header, named after
// the route; and the request's method, route and status with its duration
// in ccflow_http_request_duration_seconds.
func (t *Telemetry) Handler(next http.Handler, opts HTTPOptions) http.Handler {
	measured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt := &route{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rt))
		rec := httpwrap.NewRecorder(w)
		next.ServeHTTP(rec, r)

		pattern := rt.pattern
		if pattern == "" {
			pattern = r.Pattern
		}
		label := pattern
		if label == "" {
			label = Unmatched
		}
		t.Metrics.HTTPRequest(r.Method, label, rec.Status(), time.Since(start))

		span := trace.SpanFromContext(r.Context())
		if !span.IsRecording() {
			return
		}
		path := pattern
		if opts.Path != nil {
			path = opts.Path(r)
		}
		// otelhttp recorded the raw path, which may hold a secret.
		span.SetAttributes(semconv.URLPath(path))
		if pattern != "" {
			span.SetName(pattern)
			span.SetAttributes(attribute.String(string(semconv.HTTPRouteKey), pattern))
		}
	})
	if !t.Tracing {
		return measured
	}
	return otelhttp.NewHandler(measured, opts.Server,
		otelhttp.WithTracerProvider(t.tracerProvider),
		// ccflow_http_request_duration_seconds is the one HTTP metric.
		otelhttp.WithMeterProvider(noop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(operation string, r *http.Request) string {
			return httpwrap.Method(r.Method) + " " + operation
		}),
	)
}
