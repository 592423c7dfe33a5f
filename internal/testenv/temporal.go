package testenv

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/log"
	"google.golang.org/grpc"
)

// Temporal returns a client of TEMPORAL_ADDRESS in TEMPORAL_NAMESPACE
// (default "default"), closed when the test ends.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	return temporalClient(t, nil)
}

// temporalClient is Temporal with options changed by change (nil: none).
func temporalClient(t testing.TB, change func(*client.Options)) client.Client {
	t.Helper()
	addr := os.Getenv("TEMPORAL_ADDRESS")
	if addr == "" {
		t.Fatal("TEMPORAL_ADDRESS is not set: run the tests with `make test`, which starts a Temporal dev server")
	}
	// The same settings the worker and the starter read, so a TEMPORAL_ADDRESS
	// that needs an API key or TLS works in tests too.
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		t.Fatalf("reading the TEMPORAL_* settings: %v", err)
	}
	// The SDK logs every worker start and stop at info; tests want only trouble.
	opts.Logger = log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if change != nil {
		change(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		t.Fatalf("connecting to Temporal at TEMPORAL_ADDRESS=%s (namespace %s): %v", addr, opts.Namespace, err)
	}
	t.Cleanup(c.Close)
	return c
}

// TaskQueue returns a task queue no other test uses, named after the test
// so its workflows are easy to find in the Web UI.
func TaskQueue(t testing.TB) string {
	return "ccflow-test/" + t.Name() + "/" + randomSuffix(4)
}

// TemporalCLI returns TEMPORAL_CLI, the pinned Temporal CLI `make test`
// builds, for tests that run a Temporal server of their own.
func TemporalCLI(t testing.TB) string {
	t.Helper()
	cli := os.Getenv("TEMPORAL_CLI")
	if cli == "" {
		t.Fatal("TEMPORAL_CLI is not set: run `make test`, which builds the pinned Temporal CLI")
	}
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("TEMPORAL_CLI=%s cannot be used (%v): run `make tools` to build the pinned Temporal CLI", cli, err)
	}
	return cli
}

// TemporalIntercepted is Temporal whose calls pass through intercept, for
// tests that make Temporal fail or lose answers.
func TemporalIntercepted(t testing.TB, intercept grpc.UnaryClientInterceptor) client.Client {
	t.Helper()
	return temporalClient(t, func(o *client.Options) {
		o.ConnectionOptions.DialOptions = append(o.ConnectionOptions.DialOptions, grpc.WithChainUnaryInterceptor(intercept))
	})
}
