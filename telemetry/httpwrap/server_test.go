package httpwrap_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/telemetry/httpwrap"
)

func TestMethodIsALabelOfAFixedSet(t *testing.T) {
	t.Parallel()
	for _, m := range httpwrap.Methods {
		require.Equal(t, m, httpwrap.Method(m))
	}
	for _, m := range []string{"", "get", "BREW", "PROPFIND", strings.Repeat("X", 32<<10), "GET "} {
		require.Equal(t, httpwrap.MethodOther, httpwrap.Method(m), "%.20q", m)
	}
}

func TestEveryServerHasAHeaderLimitAndTimeouts(t *testing.T) {
	t.Parallel()
	srv := httpwrap.NewServer(":0", http.NotFoundHandler(), httpwrap.Timeouts{Read: 5 * time.Second})
	require.Equal(t, httpwrap.MaxHeaderBytes, srv.MaxHeaderBytes)
	require.Equal(t, 5*time.Second, srv.ReadTimeout)
	for name, d := range map[string]time.Duration{"read header": srv.ReadHeaderTimeout, "write": srv.WriteTimeout, "idle": srv.IdleTimeout} {
		require.Positive(t, d, name)
	}
}
