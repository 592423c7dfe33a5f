package requestid_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/web/requestid"
)

func TestMiddlewareKeepsASensibleIDAndReplacesOthers(t *testing.T) {
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{name: "a caller's uuid", sent: "0b9d5e1c-3f0a-4c36-9a59-6c1f2d0d5f11", kept: true},
		{name: "printable punctuation", sent: "lb:7f/abc=1", kept: true},
		{name: "at the length bound", sent: strings.Repeat("a", requestid.MaxLen), kept: true},
		{name: "none", sent: ""},
		{name: "too long", sent: strings.Repeat("a", requestid.MaxLen+1)},
		{name: "a space", sent: "a b"},
		{name: "a control character", sent: "a\x1bb"},
		{name: "not ASCII", sent: "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			h := requestid.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = requestid.From(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set(requestid.Header, tt.sent)
			rec := httptest.NewRecorder()

			h.ServeHTTP(rec, req)

			require.Equal(t, seen, rec.Header().Get(requestid.Header))
			require.True(t, requestid.Valid(seen))
			if tt.kept {
				require.Equal(t, tt.sent, seen)
			} else {
				require.Len(t, seen, 32)
			}
		})
	}
}

func TestLogHandlerAddsTheRequestID(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(requestid.LogHandler(slog.NewTextHandler(&out, nil))).With("part", "starter")

	log.InfoContext(requestid.With(context.Background(), "req-1"), "http request")
	log.Info("no request")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Contains(t, lines[0], "part=starter request_id=req-1")
	require.NotContains(t, lines[1], "request_id")
}
