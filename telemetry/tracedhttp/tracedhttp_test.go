package tracedhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/ccflow/ccflow/telemetry/tracedhttp"
)

func TestTransportPropagatesOnlyWhenAsked(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("traceparent"))
	}))
	t.Cleanup(srv.Close)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ctx, parent := tp.Tracer("test").Start(context.Background(), "activity")
	defer parent.End()
	// The global propagator telemetry.Setup sets, set here for the test.
	otel.SetTextMapPropagator(propagation.TraceContext{})
	for _, propagate := range []bool{true, false} {
		c := &http.Client{Transport: tracedhttp.Transport(nil, propagate)}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}

	require.Len(t, seen, 2)
	require.Contains(t, seen[0], parent.SpanContext().TraceID().String())
	require.Empty(t, seen[1], "no trace id to servers outside")
}
