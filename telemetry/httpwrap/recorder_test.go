package httpwrap_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/telemetry/httpwrap"
)

func TestRecorderRemembersTheStatusTheClientGot(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, http.StatusOK},
		{"body only", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }, http.StatusOK},
		{"status then body", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("gone"))
		}, http.StatusNotFound},
		{"a second status is ignored, as net/http ignores it", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			rec := httpwrap.NewRecorder(w)
			tt.handler(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			require.Equal(t, tt.want, rec.Status())
			require.Equal(t, tt.want, w.Result().StatusCode)
		})
	}
}
