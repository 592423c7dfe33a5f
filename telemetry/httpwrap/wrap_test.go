package httpwrap_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/telemetry/httpwrap"
)

func TestAccessLogLogsEachRequestWithoutWhatMustNotBeLogged(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		status  int
		want    string // in the log line
		notWant string
	}{
		{"a request", "/v1/entries?page=2", http.StatusNotFound, `level=INFO msg="http request" method=GET path=/v1/entries status=404`, "page=2"},
		{"a token in the path", "/s/secret-token", http.StatusOK, "path=/s/…", "secret-token"},
		{"a quiet request", "/livez", http.StatusOK, "level=DEBUG", "level=INFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			a := httpwrap.AccessLog{
				Log: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Path: func(r *http.Request) string {
					if strings.HasPrefix(r.URL.Path, "/s/") {
						return "/s/…"
					}
					return r.URL.Path
				},
				Quiet: func(r *http.Request, status int) bool { return r.URL.Path == "/livez" && status == http.StatusOK },
			}
			h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tt.status) }))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tt.target, nil))
			require.Contains(t, out.String(), tt.want)
			require.NotContains(t, out.String(), tt.notWant)
		})
	}
}

func TestRecoverAnswersAPanicAndLogsIt(t *testing.T) {
	var out bytes.Buffer
	a := httpwrap.AccessLog{Log: slog.New(slog.NewTextHandler(&out, nil))}
	h := a.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		func(w http.ResponseWriter) { http.Error(w, "internal error", http.StatusInternalServerError) })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.Contains(t, out.String(), `msg="handler panicked" method=GET path=/x panic=boom stack=`)

	aborted := a.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }),
		func(http.ResponseWriter) { t.Fatal("an aborted handler gets no answer") })
	require.PanicsWithError(t, http.ErrAbortHandler.Error(), func() {
		aborted.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	})
}
